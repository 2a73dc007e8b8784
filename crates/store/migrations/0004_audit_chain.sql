-- The audit log becomes tamper-evident: each record carries an HMAC-SM3 over its predecessor's
-- MAC and its own content, and the head of the chain is kept here, so a changed, removed,
-- inserted or truncated record breaks verification (`dangjian audit verify`).
ALTER TABLE audit_log ADD COLUMN mac TEXT;

-- One row. `last_id`/`last_mac` are the newest chained record; every audit write locks this
-- row first, which orders the chain even with concurrent writers on PostgreSQL. Records with
-- ids below `chain_from` were written before the chain existed and carry no MAC.
CREATE TABLE audit_chain (
    id BIGINT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    last_mac TEXT NOT NULL,
    chain_from BIGINT NOT NULL
);
INSERT INTO audit_chain (id, last_id, last_mac, chain_from)
SELECT 1, COALESCE(MAX(id), 0), '', COALESCE(MAX(id), 0) + 1 FROM audit_log;
