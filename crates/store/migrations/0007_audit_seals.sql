-- Seals of the audit chain: the head at a moment, signed with SM2. A seal sent off the
-- server (the log platform, paper) proves what the log held then, even against someone who
-- later holds both the database and the key file.
CREATE TABLE audit_seals (
    id {{id}},
    sealed_at TEXT NOT NULL,
    last_id BIGINT NOT NULL,
    last_mac TEXT NOT NULL,
    signature TEXT NOT NULL
);
