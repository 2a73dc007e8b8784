-- Study and training (学习教育, issue 15): group study — on its own roll, or as a part of an
-- organisational-life record whose roll it reads —, training classes with their sessions,
-- enrolment and attendance, and the credit ledger: one row for each 学时 credited to a member,
-- naming the record that earned it. Hours are whole hundredths.

CREATE TABLE study_sessions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    -- The organisational-life record the study was a part of; its roll is the study's roll.
    meeting_id BIGINT REFERENCES meetings (id),
    held_on TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    topic TEXT NOT NULL,
    materials TEXT NOT NULL,
    -- What each attendee is credited (from the minutes, by the rules on the day).
    hours BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (minutes > 0),
    CHECK (hours >= 0)
);
CREATE INDEX study_sessions_org ON study_sessions (org_id, held_on);
-- A record holds at most one study: the study is a part of it, never a second form.
CREATE UNIQUE INDEX uq__study_sessions__meeting ON study_sessions (meeting_id) WHERE meeting_id IS NOT NULL;

-- The roll of a study held on its own (a study inside a record has none: it reads the record's).
CREATE TABLE study_attendees (
    session_id BIGINT NOT NULL REFERENCES study_sessions (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    present BIGINT NOT NULL,
    absence_reason TEXT,
    makeup_on TEXT,
    makeup_note TEXT,
    PRIMARY KEY (session_id, member_id),
    CHECK (present = 1 OR absence_reason IS NOT NULL),
    CHECK (present = 0 OR makeup_on IS NULL)
);
CREATE INDEX study_attendees_member ON study_attendees (member_id);

CREATE TABLE training_classes (
    id {{id}},
    -- The org that runs the class; its scope is the class's.
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    organiser TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- A concentrated training (集中培训) counts toward a secretary's annual one.
    concentrated BIGINT NOT NULL,
    -- Set when the class is closed and completion decided.
    closed_on TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX training_classes_org ON training_classes (org_id, starts_on);

CREATE TABLE training_sessions (
    id {{id}},
    class_id BIGINT NOT NULL REFERENCES training_classes (id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    lecturer TEXT NOT NULL,
    hours BIGINT NOT NULL,
    -- Set once the attendance was taken.
    attendance_taken BIGINT NOT NULL DEFAULT 0,
    CHECK (hours > 0)
);
CREATE INDEX training_sessions_class ON training_sessions (class_id, held_on);

CREATE TABLE training_enrolments (
    class_id BIGINT NOT NULL REFERENCES training_classes (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    enrolled_by TEXT NOT NULL,
    -- Decided when the class closes: 1 结业, 0 未结业.
    completed BIGINT,
    certificate TEXT,
    PRIMARY KEY (class_id, member_id),
    CHECK (certificate IS NULL OR completed = 1)
);
CREATE INDEX training_enrolments_member ON training_enrolments (member_id);

CREATE TABLE training_attendance (
    session_id BIGINT NOT NULL REFERENCES training_sessions (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    present BIGINT NOT NULL,
    PRIMARY KEY (session_id, member_id)
);

-- The hours credited: `source` names the record (`group_study`: a study session; `class`: a
-- training class with `part_id` its session). Rewritten for a record whenever its roll
-- changes, so the ledger always equals the records.
CREATE TABLE study_credits (
    member_id BIGINT NOT NULL REFERENCES members (id),
    source TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    part_id BIGINT NOT NULL,
    credited_on TEXT NOT NULL,
    hours BIGINT NOT NULL,
    PRIMARY KEY (source, record_id, part_id, member_id),
    CHECK (hours > 0)
);
CREATE INDEX study_credits_member ON study_credits (member_id, credited_on);
