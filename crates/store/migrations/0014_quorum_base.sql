-- The voting base of a 支部党员大会 (M4.11): the voting members of the day's roll, written by
-- the server whenever the record is saved, and those of them left out with the upper
-- committee's approval in one of the five cases. Editing the expected roll no longer shrinks
-- the quorum. Records from before keep NULL (their voting attendees count, as they did).
ALTER TABLE meetings ADD COLUMN voting_roll BIGINT;
CREATE TABLE meeting_quorum_exclusions (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    category TEXT NOT NULL,
    approval TEXT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);
-- Whether the record as last saved misses its quorum (written by the server from the rules):
-- a period whose only record is such a draft says "法定人数不足" (issue 14, 5). The period
-- indexes cover it, as they cover every column the compliance engine reads.
ALTER TABLE meetings ADD COLUMN quorum_short BIGINT NOT NULL DEFAULT 0;
DROP INDEX meetings_period;
DROP INDEX meetings_makeup;
CREATE INDEX meetings_period ON meetings (held_on, org_id, kind, state, combined_review, counts_for, quorum_short, id);
CREATE INDEX meetings_makeup ON meetings (counts_for, org_id, kind, state, combined_review, held_on, quorum_short, id) WHERE counts_for IS NOT NULL;
