-- 党建工作经费 (issue 17, 5): an org's budget for a year in lines (funding source × category)
-- and the expenditures against them, each proposed, then approved or refused from above.
-- Amounts are whole fen.
CREATE TABLE fund_lines (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    UNIQUE (org_id, year, source, category),
    CHECK (amount_fen >= 0)
);

CREATE TABLE fund_expenses (
    id {{id}},
    line_id BIGINT NOT NULL REFERENCES fund_lines (id),
    item TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    spent_on TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The collective decision behind it (支委会、党委会 and its day; M1.4).
    decision TEXT NOT NULL,
    persons BIGINT,
    days BIGINT,
    half_days BIGINT,
    vehicles BIGINT,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_on TEXT,
    decided_by TEXT,
    decision_note TEXT,
    version BIGINT NOT NULL,
    CHECK (amount_fen > 0),
    CHECK ((status = 'proposed') = (decided_on IS NULL))
);
CREATE INDEX fund_expenses_line ON fund_expenses (line_id, status);
