-- 党费 imports (issue 17, item 6): a sheet of pay bases or of the bank's collection records is
-- checked whole and kept sealed until its importer commits it, all rows or none. A payment
-- from the bank keeps the bank's reference, once: the same record imported twice is refused.
CREATE TABLE dues_imports (
    id {{id}},
    -- bases or bank.
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- previewed, then committed; or superseded by the importer's next preview of its kind.
    status TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    -- The rows in template order, sealed (SM4): pay is as sensitive here as on the record.
    payload_ct TEXT,
    committed_at TEXT
);

ALTER TABLE dues_payments ADD COLUMN bank_ref TEXT;
ALTER TABLE dues_payments ADD COLUMN import_id BIGINT REFERENCES dues_imports (id);
CREATE UNIQUE INDEX dues_payments_bank_ref ON dues_payments (org_id, bank_ref) WHERE bank_ref IS NOT NULL;
CREATE INDEX dues_imports_previewed ON dues_imports (created_by, kind) WHERE status = 'previewed';
