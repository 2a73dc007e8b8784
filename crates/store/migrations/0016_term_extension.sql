-- 延期换届 (R8.2): a term extended with the upper committee's approval, by at most the rules'
-- `max_extension_or_advance_years`. The end as elected stays; `extended_to` is the end as
-- extended, which reminders and the re-election list count from.
ALTER TABLE org_terms ADD COLUMN extended_to TEXT;
ALTER TABLE org_terms ADD COLUMN extension_approval TEXT;
