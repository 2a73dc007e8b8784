-- 发展党员, admission and probation (issue 18): the applicant's identity as the member record
-- will need it — the ID number sealed under the field key with its keyed digest (one person on
-- the path once, and not already a member), the ethnicity and education — and the member
-- created from the person when the committee above approves the admission, never retyped.
-- Rows from before have no ID number: their admission asks for it.
ALTER TABLE recruits ADD COLUMN id_number_ct TEXT;
ALTER TABLE recruits ADD COLUMN id_number_idx TEXT;
ALTER TABLE recruits ADD COLUMN ethnicity TEXT;
ALTER TABLE recruits ADD COLUMN education TEXT;
ALTER TABLE recruits ADD COLUMN member_id BIGINT REFERENCES members (id);
-- One person on the path at a time (or through it): the check before the insert, and this
-- index against two clicks at once.
CREATE UNIQUE INDEX uq__recruits__id_number_idx ON recruits (id_number_idx)
    WHERE status IN ('active', 'full');

-- What a step held besides its day: the 支部党员大会 record that voted (steps 15 and 23) with
-- its count — the voting members it was counted against, those present, the ayes with the
-- written ones of absentees, and the written opinions — and the days and class hours of the
-- concentrated training (step 11).
ALTER TABLE recruit_steps ADD COLUMN meeting_id BIGINT REFERENCES meetings (id);
ALTER TABLE recruit_steps ADD COLUMN voters BIGINT;
ALTER TABLE recruit_steps ADD COLUMN present BIGINT;
ALTER TABLE recruit_steps ADD COLUMN ayes BIGINT;
ALTER TABLE recruit_steps ADD COLUMN written BIGINT;
ALTER TABLE recruit_steps ADD COLUMN training_days BIGINT;
ALTER TABLE recruit_steps ADD COLUMN training_hours BIGINT;

-- 培养联系人 (step 5) and 入党介绍人 (step 9): full members of the branch with their vote.
CREATE TABLE recruit_people (
    recruit_id BIGINT NOT NULL REFERENCES recruits (id),
    -- contact or sponsor.
    role TEXT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members (id),
    PRIMARY KEY (recruit_id, role, member_id)
);

-- When the probation was extended, and when and why a path ended before its last step
-- (withdrawn, or 取消预备党员资格): the year's 党内统计 counts them.
ALTER TABLE recruits ADD COLUMN extended_on TEXT;
ALTER TABLE recruits ADD COLUMN ended_on TEXT;
ALTER TABLE recruits ADD COLUMN end_reason TEXT;

-- An admission not approved within the longest limit lapses and is done again (R4.16): the
-- steps of the lapsed round are kept here, with the day they lapsed, and recorded anew.
CREATE TABLE recruit_lapsed_steps (
    id {{id}},
    recruit_id BIGINT NOT NULL REFERENCES recruits (id),
    step TEXT NOT NULL,
    done_on TEXT NOT NULL,
    note TEXT NOT NULL,
    days_late BIGINT,
    meeting_id BIGINT REFERENCES meetings (id),
    voters BIGINT,
    present BIGINT,
    ayes BIGINT,
    written BIGINT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    lapsed_on TEXT NOT NULL
);
CREATE INDEX recruit_lapsed_steps_recruit ON recruit_lapsed_steps (recruit_id);

-- The materials of a person's file (申请书, 思想汇报, 政审材料 …): checked by type, stored
-- under a random name with the SM3 digest of the bytes, like every other file kept here.
CREATE TABLE recruit_files (
    id {{id}},
    recruit_id BIGINT NOT NULL REFERENCES recruits (id),
    material TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    digest TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX recruit_files_recruit ON recruit_files (recruit_id);

-- Each person's steps as `step=YYYY-MM-DD;…`, written by the store with every change of the
-- steps, in the same transaction: the pipeline and the year's figures read one row a person
-- instead of one a step (a province has some twelve thousand people on the path and a
-- hundred and fifty thousand steps). recruit_steps stays the record; this is its summary.
ALTER TABLE recruits ADD COLUMN days TEXT NOT NULL DEFAULT '';
