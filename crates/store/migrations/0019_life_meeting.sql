-- 民主生活会 as the regulations describe it (issue 14, 10): the opinions gathered beforehand,
-- each team member's 对照检查材料, the day the meeting was reported to the level above; and
-- the leadership team's members who hold no committee post (班子成员), several per org like
-- 委员, so the open-post index lets both repeat.
ALTER TABLE meetings ADD COLUMN preparation TEXT;
ALTER TABLE meetings ADD COLUMN reported_on TEXT;
ALTER TABLE meeting_attendees ADD COLUMN review_material TEXT;
DROP INDEX uq__org_posts__open;
CREATE UNIQUE INDEX uq__org_posts__open ON org_posts (org_id, post) WHERE valid_to IS NULL AND post NOT IN ('committee_member', 'leadership_member');
