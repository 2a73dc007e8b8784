-- Rectification (整改) of the problems inspections fed back: each inspection's findings, the
-- rectification each assigned org owes for a finding, its measures with milestones, and every
-- step taken on it (plans, progress reports with evidence, claims, acceptance, returns and
-- reopenings) kept as history that is never rewritten.

CREATE TABLE inspections (
    id {{id}},
    -- The org whose work was inspected (the feedback's addressee): findings are assigned to it
    -- and the orgs below it, and its scope sees the inspection.
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    inspector TEXT NOT NULL,
    inspected_from TEXT NOT NULL,
    inspected_to TEXT NOT NULL,
    scope_note TEXT NOT NULL,
    feedback_ref TEXT NOT NULL,
    feedback_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (inspected_from <= inspected_to),
    CHECK (inspected_to <= feedback_on)
);
CREATE INDEX inspections_org ON inspections (org_id, feedback_on);
CREATE UNIQUE INDEX uq__inspections__feedback_ref ON inspections (feedback_ref);

CREATE TABLE findings (
    id {{id}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    position BIGINT NOT NULL,
    problem TEXT NOT NULL,
    category TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__findings__position ON findings (inspection_id, position);

CREATE TABLE rectifications (
    id {{id}},
    finding_id BIGINT NOT NULL REFERENCES findings (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    stage TEXT NOT NULL,
    -- 整改时限 of the whole item.
    deadline TEXT NOT NULL,
    -- The earliest deadline still open (the item's own or an unfinished measure's), kept on the
    -- row by every change so that overviews count colours from an index.
    due_on TEXT NOT NULL,
    cause TEXT,
    claimed_by BIGINT REFERENCES accounts (id),
    closed_on TEXT,
    -- Raised at every change; a change names the version it saw (lost updates are refused).
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (due_on <= deadline)
);
CREATE UNIQUE INDEX uq__rectifications__finding_org ON rectifications (finding_id, org_id);
CREATE INDEX rectifications_org ON rectifications (org_id, stage, due_on);

CREATE TABLE measures (
    id {{id}},
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id),
    position BIGINT NOT NULL,
    content TEXT NOT NULL,
    -- 责任领导, 责任单位, 责任人.
    leader_member_id BIGINT NOT NULL REFERENCES members (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    person_member_id BIGINT NOT NULL REFERENCES members (id),
    deadline TEXT NOT NULL,
    done_on TEXT
);
CREATE INDEX measures_rectification ON measures (rectification_id, position);
CREATE INDEX measures_person ON measures (person_member_id, done_on, deadline);
CREATE INDEX measures_leader ON measures (leader_member_id, done_on, deadline);

-- The roadmap of a measure: dated steps on the way to its deadline.
CREATE TABLE measure_milestones (
    id {{id}},
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    position BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX measure_milestones_measure ON measure_milestones (measure_id, position);

CREATE TABLE rectification_events (
    id {{id}},
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id),
    action TEXT NOT NULL,
    stage_after TEXT NOT NULL,
    note TEXT,
    -- A progress report's reference of its evidence (a document number, a record's place).
    evidence TEXT,
    -- A progress report that finished a measure.
    measure_id BIGINT REFERENCES measures (id),
    account_id BIGINT REFERENCES accounts (id),
    login TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rectification_events_item ON rectification_events (rectification_id, id);

-- Files attached to a progress report as evidence: the file lives on disk under the data
-- directory; the row keeps its name, checked type, size and SM3 digest.
CREATE TABLE rectification_files (
    id {{id}},
    event_id BIGINT NOT NULL REFERENCES rectification_events (id),
    rectification_id BIGINT NOT NULL REFERENCES rectifications (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    digest TEXT NOT NULL,
    stored_name TEXT NOT NULL
);
CREATE INDEX rectification_files_item ON rectification_files (rectification_id, id);
