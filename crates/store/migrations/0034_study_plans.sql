-- Study plans (学习计划, issue 15, 1): an org's plan of a year — topics, materials and months —
-- issued to the orgs below, and adopted by each (a copy it then changes as it needs), shown
-- beside its plan of organisational life.
CREATE TABLE study_plans (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    -- The plan of an org above it was adopted from.
    adopted_from BIGINT REFERENCES study_plans (id),
    -- When it was issued to the orgs below.
    issued_on TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__study_plans__org ON study_plans (org_id, year);

CREATE TABLE study_plan_items (
    id {{id}},
    plan_id BIGINT NOT NULL REFERENCES study_plans (id),
    month BIGINT NOT NULL,
    topic TEXT NOT NULL,
    materials TEXT NOT NULL,
    CHECK (month BETWEEN 1 AND 12)
);
CREATE INDEX study_plan_items_plan ON study_plan_items (plan_id, month);
