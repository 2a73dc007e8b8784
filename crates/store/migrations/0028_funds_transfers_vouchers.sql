-- 党建工作经费 (issue 17, 5): transfers between the lines of an org's year (调剂), proposed by
-- the org and approved from above, which move the lines' budgets when approved; and the
-- vouchers (invoices, receipts) of each expenditure, kept like other evidence files —
-- checked by type, stored under a random name, with the SM3 digest of the bytes.
CREATE TABLE fund_transfers (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    from_line BIGINT NOT NULL REFERENCES fund_lines (id),
    to_line BIGINT NOT NULL REFERENCES fund_lines (id),
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_on TEXT,
    decided_by TEXT,
    decision_note TEXT,
    version BIGINT NOT NULL,
    CHECK (amount_fen > 0),
    CHECK (from_line <> to_line),
    CHECK ((status = 'proposed') = (decided_on IS NULL))
);
CREATE INDEX fund_transfers_org ON fund_transfers (org_id, year);

CREATE TABLE fund_vouchers (
    id {{id}},
    expense_id BIGINT NOT NULL REFERENCES fund_expenses (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    digest TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX fund_vouchers_expense ON fund_vouchers (expense_id);
