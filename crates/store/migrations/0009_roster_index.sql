-- The roster in page order reads each branch's members by id; with status and category in
-- the same index a filtered page (and its count) skips non-matching members without reading
-- their rows. It replaces the narrower index of 0001 with the same leading columns.
CREATE INDEX members_roster ON members (branch_id, id, status, category);
DROP INDEX members_branch;
