-- 典型经验 (issue 19, 6): a practice an org submits — the problem, what it did, the effect
-- and its evidence — reviewed by the committee office, published to every org of the bureau,
-- and the orgs that adopted it with what it brought them.
CREATE TABLE practices (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    problem TEXT NOT NULL,
    practice TEXT NOT NULL,
    effect TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    decided_on TEXT,
    decided_by TEXT,
    decision_note TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((status = 'submitted') = (decided_on IS NULL))
);
CREATE INDEX practices_status ON practices (status, decided_on);

CREATE TABLE practice_adoptions (
    practice_id BIGINT NOT NULL REFERENCES practices (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    adopted_on TEXT NOT NULL,
    result TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (practice_id, org_id)
);
