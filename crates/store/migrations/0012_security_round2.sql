-- Password settings of business accounts take two people (三员分立): the system administrator
-- asks and receives the first half of a one-time password; the security administrator
-- approves and receives the second. Until approved, the account's password does not change.
-- `first_half_ct` is sealed like other protected fields and cleared once the request is
-- decided.
CREATE TABLE password_grants (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    requested_by BIGINT REFERENCES accounts (id),
    requested_at TEXT NOT NULL,
    first_half_ct TEXT,
    state TEXT NOT NULL,
    decided_by BIGINT REFERENCES accounts (id),
    decided_at TEXT
);
CREATE INDEX password_grants_state ON password_grants (state, account_id);

-- API tokens expire (at most the policy's age after creation, shorter when asked).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;

-- A chain that does not start at record 1 (a database from before the chain existed) holds
-- its start under the audit key, set once from the server's shell (`dangjian audit anchor`).
ALTER TABLE audit_chain ADD COLUMN anchor TEXT;

-- Exact searches by ID number are counted per account from the audit log.
CREATE INDEX audit_log_account_event ON audit_log (account_id, event, ts);
