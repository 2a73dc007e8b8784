-- No record is ever changed, and none younger than 180 days is deleted, whatever path the
-- statement comes from (the application has no such path; this also stops a database shell).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit records cannot be changed');
END;
CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log
WHEN julianday(old.ts) > julianday('now') - 180
BEGIN
    SELECT RAISE(ABORT, 'audit records younger than 180 days cannot be deleted');
END;
