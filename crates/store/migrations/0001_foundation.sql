-- The foundation: police units, the org tree with its dated history, members with their
-- dated branch, category and status, post holders, accounts, sessions, API tokens and the
-- audit log. Dates are 'YYYY-MM-DD' text, instants 'YYYY-MM-DDTHH:MM:SS.mmmZ' text (UTC),
-- flags 0/1. Dated intervals are [valid_from, valid_to); valid_to NULL is the current value.

CREATE TABLE units (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__units__code ON units (code);

CREATE TABLE orgs (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES orgs (id),
    -- Materialised path of the current tree ('/1/5/23/'); a subtree is a range of paths.
    path TEXT {{c}} NOT NULL,
    depth BIGINT NOT NULL,
    unit_id BIGINT REFERENCES units (id),
    is_joint BIGINT NOT NULL DEFAULT 0,
    founded_on TEXT NOT NULL,
    dissolved_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__orgs__code ON orgs (code);
CREATE UNIQUE INDEX uq__orgs__path ON orgs (path);
CREATE INDEX orgs_parent ON orgs (parent_id);
CREATE INDEX orgs_unit ON orgs (unit_id);

CREATE TABLE org_parent_history (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    parent_id BIGINT REFERENCES orgs (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX org_parent_history_org ON org_parent_history (org_id, valid_from);
CREATE INDEX org_parent_history_parent ON org_parent_history (parent_id, valid_from);
-- One current value per owner, for every dated attribute.
CREATE UNIQUE INDEX uq__org_parent_history__open ON org_parent_history (org_id) WHERE valid_to IS NULL;

CREATE TABLE org_kind_history (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX org_kind_history_org ON org_kind_history (org_id, valid_from);
CREATE UNIQUE INDEX uq__org_kind_history__open ON org_kind_history (org_id) WHERE valid_to IS NULL;

CREATE TABLE members (
    id {{id}},
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    education TEXT,
    -- 身份证号 and phone, sealed with SM4-GCM bound to the row (never stored in clear), and
    -- a keyed HMAC-SM3 of the ID number for lookup and uniqueness.
    id_number_ct TEXT NOT NULL,
    id_number_idx TEXT NOT NULL,
    phone_ct TEXT,
    police_number TEXT NOT NULL,
    police_rank TEXT,
    position TEXT,
    unit_id BIGINT REFERENCES units (id),
    -- Current values; their history is in the member_*_history tables.
    branch_id BIGINT NOT NULL REFERENCES orgs (id),
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    full_membership_on TEXT,
    -- When the probation ends (one year after admission, later if extended); NULL once full.
    probation_due_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__members__id_number_idx ON members (id_number_idx);
CREATE UNIQUE INDEX uq__members__police_number ON members (police_number);
CREATE INDEX members_branch ON members (branch_id, id);
CREATE INDEX members_name ON members (name);

CREATE TABLE member_branch_history (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX member_branch_history_member ON member_branch_history (member_id, valid_from);
CREATE INDEX member_branch_history_org ON member_branch_history (org_id, valid_from);
CREATE UNIQUE INDEX uq__member_branch_history__open ON member_branch_history (member_id) WHERE valid_to IS NULL;

CREATE TABLE member_category_history (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    category TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX member_category_history_member ON member_category_history (member_id, valid_from);
CREATE UNIQUE INDEX uq__member_category_history__open ON member_category_history (member_id) WHERE valid_to IS NULL;

CREATE TABLE member_status_history (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    status TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX member_status_history_member ON member_status_history (member_id, valid_from);
CREATE UNIQUE INDEX uq__member_status_history__open ON member_status_history (member_id) WHERE valid_to IS NULL;

-- Post holders (书记, 副书记, 委员, 党小组长), each a dated interval.
CREATE TABLE org_posts (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    post TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX org_posts_org ON org_posts (org_id, post, valid_from);
CREATE INDEX org_posts_member ON org_posts (member_id);
-- At most one current holder of each post per org (委员 may be several, each once).
CREATE UNIQUE INDEX uq__org_posts__open ON org_posts (org_id, post) WHERE valid_to IS NULL AND post <> 'committee_member';
CREATE UNIQUE INDEX uq__org_posts__open_member ON org_posts (org_id, post, member_id) WHERE valid_to IS NULL;

CREATE TABLE accounts (
    id {{id}},
    -- Lower-cased and trimmed, so names that differ only in case are the same account.
    login TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- NULL until the security administrator grants a role.
    role TEXT,
    org_id BIGINT REFERENCES orgs (id),
    member_id BIGINT REFERENCES members (id),
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    last_login_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__accounts__login ON accounts (login);

-- Server-side sessions, shared by every app process. Only a hash of the cookie is stored.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX uq__api_tokens__token_hash ON api_tokens (token_hash);

-- Append-only: the application has no path that updates or deletes a row.
CREATE TABLE audit_log (
    id {{id}},
    ts TEXT NOT NULL,
    account_id BIGINT,
    login TEXT,
    role TEXT,
    ip TEXT,
    user_agent TEXT,
    event TEXT NOT NULL,
    object_type TEXT,
    object_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX audit_log_ts ON audit_log (ts);
CREATE INDEX audit_log_event ON audit_log (event, ts);
CREATE INDEX audit_log_account ON audit_log (account_id, ts);
