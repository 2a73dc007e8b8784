-- The second factor (TOTP) and the stage of a session. The secret is sealed by the crypto
-- provider like other protected fields; it is set when enrolment starts and counts only once
-- `totp_enabled_at` is set by a confirmed code.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_algorithm TEXT NOT NULL DEFAULT 'SHA1';
ALTER TABLE accounts ADD COLUMN totp_enabled_at TEXT;
-- The last time step accepted, so a code works once.
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;

-- Single-use recovery codes, stored as SM3 digests.
CREATE TABLE recovery_codes (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

-- 'full' for a working session; 'second_factor' between the password and the code, when the
-- session opens nothing but the code form.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
-- When the holder last proved their password again (re-authentication for sensitive actions).
ALTER TABLE sessions ADD COLUMN reauth_at TEXT;
