-- Roster filters on the rare values: 预备党员, and members off the active roll (失联, 停止党籍,
-- 出党, 去世). Partial, so that queries over everyone on the roll keep walking the org tree
-- instead of an index that matches nearly every member. The queries that use them name the
-- same predicate literally (store::members::push_filter).
CREATE INDEX members_probationary ON members (branch_id) WHERE category = 'probationary';
CREATE INDEX members_off_roll ON members (status, branch_id) WHERE status <> 'active';
