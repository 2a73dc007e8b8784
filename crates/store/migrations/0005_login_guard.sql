-- Lockout after repeated failed logins, password history, and the security administrator's
-- policy settings (each bounded in core::policy, so nothing below the floor is stored).
ALTER TABLE accounts ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until TEXT;

-- The hashes an account used before, newest last; a new password may not match the last few.
CREATE TABLE password_history (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    password_hash TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);
CREATE INDEX password_history_account ON password_history (account_id, id);

CREATE TABLE security_policy (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
