-- 党费 (issue 17): each member's assessed monthly dues from a month on, hardship reductions
-- and their approval, the charges of each month (where the member's relation was), and the
-- payments with their receipts. Amounts are whole fen; months are `YYYY-MM`.
CREATE TABLE dues_assessments (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    -- In force from this month until the member's next assessment.
    from_month TEXT NOT NULL,
    category TEXT NOT NULL,
    -- The pay items and the base, sealed (SM4, bound to this member): seen only by the dues
    -- keeper and the member. NULL for the fixed-amount categories.
    pay_sealed TEXT,
    monthly_fen BIGINT NOT NULL,
    -- annual (年初核定) or pay_change (新工资首次领取之月起) or correction.
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (member_id, from_month),
    CHECK (monthly_fen >= 0)
);

CREATE TABLE dues_reductions (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    from_month TEXT NOT NULL,
    to_month TEXT NOT NULL,
    -- The reduced monthly amount; 0 is 免交.
    monthly_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- 第七条: the branch studied it on this day …
    branch_decided_on TEXT NOT NULL,
    -- … and the committee above approved or refused it.
    status TEXT NOT NULL,
    decided_on TEXT,
    decided_by TEXT,
    decision_note TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (from_month <= to_month),
    CHECK (monthly_fen >= 0),
    CHECK ((status = 'proposed') = (decided_on IS NULL))
);
CREATE INDEX dues_reductions_member ON dues_reductions (member_id, status, from_month);

-- One row per member and month, written by the month's run: what was assessed and what is
-- due after an approved reduction, at the org holding the member's relation that month, and
-- what has been paid for it (kept with each payment, in its transaction, so that the reports
-- read one table).
CREATE TABLE dues_charges (
    member_id BIGINT NOT NULL REFERENCES members (id),
    month TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    assessed_fen BIGINT NOT NULL,
    due_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    PRIMARY KEY (member_id, month),
    CHECK (due_fen >= 0 AND due_fen <= assessed_fen),
    CHECK (paid_fen >= 0)
);
-- The reconciliation reads the charges of a period by org from this index alone.
CREATE INDEX dues_charges_month ON dues_charges (month, org_id, member_id, due_fen, paid_fen);
-- The months not paid in full, for the arrears lists.
CREATE INDEX dues_charges_owing ON dues_charges (member_id, month) WHERE paid_fen < due_fen;

CREATE TABLE dues_payments (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    -- The org that received it (the member's branch that day).
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    -- The month it pays for; a voluntary payment's month is the month it was made.
    month TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    -- Who handed it in, for 委托代交.
    proxy TEXT,
    -- Why a month more than the back-pay limit behind was paid (R3.12).
    reason TEXT,
    -- R3.11: a voluntary payment of 1,000 yuan or more, remitted whole to the centre.
    to_centre BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CHECK (amount_fen > 0)
);
CREATE INDEX dues_payments_member ON dues_payments (member_id, month);
CREATE INDEX dues_payments_org ON dues_payments (org_id, month);
