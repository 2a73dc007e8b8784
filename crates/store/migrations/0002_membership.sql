-- Organisation and membership, complete: elections and terms, the committee's assessment of
-- secretaries, members' lifecycle events, and mobile members.

-- 换届: each election of an org's committee starts a term of the length the rules give.
CREATE TABLE org_terms (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    elected_on TEXT NOT NULL,
    term_years BIGINT NOT NULL,
    ends_on TEXT NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (elected_on < ends_on)
);
CREATE INDEX org_terms_org ON org_terms (org_id, elected_on);

-- 书记任职资格: the upper committee's assessment of a secretary.
CREATE TABLE secretary_assessments (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    assessed_on TEXT NOT NULL,
    political_quality TEXT NOT NULL,
    professional_ability TEXT NOT NULL,
    standing TEXT NOT NULL,
    remark TEXT,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX secretary_assessments_org ON secretary_assessments (org_id, assessed_on);

-- A member's lifecycle as explicit transitions: 转正, 延长预备期, 组织关系转接, 流动, 失联与恢复,
-- 停止党籍, 出党, 去世. The current state lives on `members` and its dated history tables;
-- this is the record of who did what, when and why.
CREATE TABLE member_events (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    reason TEXT,
    -- JSON: letter number, from and to, months of an extension …
    details TEXT,
    actor_account_id BIGINT,
    actor_login TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX member_events_member ON member_events (member_id, occurred_on);
CREATE INDEX member_events_kind ON member_events (kind, occurred_on);

-- 流动党员: a member away from their branch (out), dated.
CREATE TABLE member_flows (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    place TEXT NOT NULL,
    contact TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE UNIQUE INDEX uq__member_flows__open ON member_flows (member_id) WHERE valid_to IS NULL;

-- 流入党员: members of other organisations staying with a branch for a while.
CREATE TABLE inflow_members (
    id {{id}},
    branch_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    origin_org TEXT NOT NULL,
    police_number TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    note TEXT,
    created_at TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX inflow_members_branch ON inflow_members (branch_id, valid_from);

-- 组织关系转接: a letter from one branch to another inside the bureau (pending until the
-- receiving branch takes the member in), or to or from an organisation outside it.
CREATE TABLE member_transfers (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    letter_no TEXT NOT NULL,
    from_branch_id BIGINT REFERENCES orgs (id),
    to_branch_id BIGINT REFERENCES orgs (id),
    external_org TEXT,
    issued_on TEXT NOT NULL,
    received_on TEXT,
    status TEXT NOT NULL,
    note TEXT,
    issued_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__member_transfers__pending ON member_transfers (member_id) WHERE status = 'pending';
CREATE INDEX member_transfers_to ON member_transfers (to_branch_id, status);
CREATE INDEX member_transfers_from ON member_transfers (from_branch_id, status);

-- Spreadsheet imports. A previewed batch waits here, sealed (it holds ID numbers), until it is
-- committed or discarded; a committed batch can be rolled back while none of its members has
-- changed since.
CREATE TABLE import_batches (
    id {{id}},
    created_by TEXT NOT NULL,
    created_by_account BIGINT,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    payload_ct TEXT,
    committed_at TEXT,
    rolled_back_at TEXT
);
CREATE INDEX import_batches_status ON import_batches (status, id);

ALTER TABLE members ADD COLUMN import_batch_id BIGINT REFERENCES import_batches (id);
CREATE INDEX members_import_batch ON members (import_batch_id);
