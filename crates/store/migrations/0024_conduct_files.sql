-- Evidence files of a finding (issue 16, 2): kept like rectification evidence — checked by
-- type, stored under a random name, with the SM3 digest of the bytes.
CREATE TABLE conduct_files (
    id {{id}},
    finding_id BIGINT NOT NULL REFERENCES conduct_findings (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    digest TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX conduct_files_finding ON conduct_files (finding_id);
