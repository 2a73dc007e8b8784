-- 党小组 (issue 14, 3): a branch's members placed in its groups, dated like every other
-- attribute. A member is in at most one group at a time; a group's roll on a day is its placed
-- members who are on the branch's roll that day, so a transfer out of the branch takes the
-- member off the group's roll without a second write.
CREATE TABLE member_group_history (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    group_id BIGINT NOT NULL REFERENCES orgs (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_from < valid_to)
);
CREATE INDEX member_group_history_member ON member_group_history (member_id, valid_from);
CREATE INDEX member_group_history_group ON member_group_history (group_id, valid_from);
CREATE UNIQUE INDEX uq__member_group_history__open ON member_group_history (member_id) WHERE valid_to IS NULL;
