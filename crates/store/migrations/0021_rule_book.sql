-- Every section of the rules is effective-dated (issue 14, 12): a recorded version keeps the
-- whole rules (JSON) beside the meeting rules it kept before; older rows have only those.
ALTER TABLE rule_versions ADD COLUMN rules TEXT;
