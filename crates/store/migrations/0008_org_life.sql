-- Organisational life (组织生活): each meeting's record with its attendance, resolutions,
-- follow-up actions, the revisions submitted for review and the reviews. Make-ups of absentees
-- are written onto the attendance rows later, without reopening the record.

CREATE TABLE meetings (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    -- 'HH:MM', local time.
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL,
    host TEXT NOT NULL,
    recorder TEXT NOT NULL,
    lecturer TEXT,
    topics TEXT NOT NULL,
    agenda TEXT,
    minutes TEXT NOT NULL,
    -- A make-up (补开): a day in the period the meeting makes up for.
    counts_for TEXT,
    -- A 组织生活会 that also held the year's 民主评议党员.
    combined_review BIGINT NOT NULL DEFAULT 0,
    -- Why the expected attendees differ from the org's roll on the day.
    expected_reason TEXT,
    state TEXT NOT NULL,
    -- Raised at every change; a save names the version it edited (lost updates are refused).
    version BIGINT NOT NULL,
    author_account_id BIGINT REFERENCES accounts (id),
    author_login TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (starts_at <= ends_at),
    CHECK (counts_for IS NULL OR counts_for <= held_on)
);
CREATE INDEX meetings_org ON meetings (org_id, held_on);
CREATE INDEX meetings_state ON meetings (state, org_id);
-- The compliance engine reads these columns of a year's records for every org in a scope:
-- covering indexes keep that off the wide rows (held in the range; made up for it later).
CREATE INDEX meetings_period ON meetings (held_on, org_id, kind, state, combined_review, counts_for, id);
CREATE INDEX meetings_makeup ON meetings (counts_for, org_id, kind, state, combined_review, held_on, id) WHERE counts_for IS NOT NULL;

CREATE TABLE meeting_attendees (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    -- A full member on the day (预备党员 have no vote).
    voting BIGINT NOT NULL,
    present BIGINT NOT NULL,
    absence_reason TEXT,
    absence_note TEXT,
    makeup_on TEXT,
    makeup_note TEXT,
    criticism TEXT,
    self_criticism TEXT,
    PRIMARY KEY (meeting_id, member_id),
    CHECK (present = 1 OR makeup_on IS NULL OR absence_reason IS NOT NULL)
);
CREATE INDEX meeting_attendees_member ON meeting_attendees (member_id);

CREATE TABLE meeting_resolutions (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    yes_votes BIGINT NOT NULL,
    no_votes BIGINT NOT NULL,
    abstentions BIGINT NOT NULL,
    passed BIGINT NOT NULL
);
CREATE INDEX meeting_resolutions_meeting ON meeting_resolutions (meeting_id, position);

CREATE TABLE meeting_actions (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT
);
CREATE INDEX meeting_actions_meeting ON meeting_actions (meeting_id, position);

-- Each submitted version, as the reviewer saw it (JSON), kept when the record is revised.
CREATE TABLE meeting_revisions (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    version BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__meeting_revisions__version ON meeting_revisions (meeting_id, version);

CREATE TABLE meeting_reviews (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    version BIGINT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    reviewer_account_id BIGINT REFERENCES accounts (id),
    reviewer_login TEXT NOT NULL,
    reviewed_at TEXT NOT NULL
);
CREATE INDEX meeting_reviews_meeting ON meeting_reviews (meeting_id, reviewed_at);

-- The plan of an org's organisational life for a year: generated from the rules in one step,
-- then adjusted item by item.
CREATE TABLE meeting_plans (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    kind TEXT NOT NULL,
    planned_on TEXT NOT NULL,
    topic TEXT,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX meeting_plans_org ON meeting_plans (org_id, year, planned_on);

-- Attachments of a record (sign-in sheets, photos, materials): the file lives on disk under
-- the data directory; the row keeps its name, checked type, size and SM3 digest.
CREATE TABLE meeting_attachments (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    digest TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX meeting_attachments_meeting ON meeting_attachments (meeting_id, id);

-- Each version of the meeting rules the platform ran with, and the day it took effect: the
-- compliance of past periods is judged by the rules in force then.
CREATE TABLE rule_versions (
    id {{id}},
    effective_from TEXT NOT NULL,
    meetings TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
