-- 关爱与表彰 (issue 16, 6–7): commendations and awards as proposed and decided, care visits,
-- and the hardship register with its follow-ups. Amounts are whole fen.
CREATE TABLE commendations (
    id {{id}},
    system TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    -- The member honoured, or none for an org; `org_id` is the org honoured, or the member's
    -- branch when proposed.
    member_id BIGINT REFERENCES members (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    citation TEXT NOT NULL,
    proposed_on TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_on TEXT,
    approver TEXT,
    decision_note TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((status = 'proposed') = (decided_on IS NULL)),
    CHECK (decided_on IS NULL OR proposed_on <= decided_on)
);
CREATE INDEX commendations_member ON commendations (member_id, status, decided_on);
CREATE INDEX commendations_org ON commendations (org_id, proposed_on);

CREATE TABLE care_visits (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    occasion TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    visitors TEXT NOT NULL,
    notes TEXT NOT NULL,
    amount_fen BIGINT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (amount_fen IS NULL OR amount_fen > 0)
);
CREATE INDEX care_visits_member ON care_visits (member_id, visited_on);

CREATE TABLE hardship_cases (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    closed_on TEXT,
    closing_note TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (closed_on IS NULL OR registered_on <= closed_on)
);
CREATE INDEX hardship_cases_member ON hardship_cases (member_id, closed_on);

CREATE TABLE hardship_follow_ups (
    id {{id}},
    case_id BIGINT NOT NULL REFERENCES hardship_cases (id),
    followed_on TEXT NOT NULL,
    note TEXT NOT NULL,
    amount_fen BIGINT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (amount_fen IS NULL OR amount_fen > 0)
);
CREATE INDEX hardship_follow_ups_case ON hardship_follow_ups (case_id, followed_on);
