-- 谈心谈话 as pairs (issue 14, 8; R1.16): who talked with whom in a record, each pair once,
-- the smaller member id first.
CREATE TABLE meeting_talk_pairs (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    member_a BIGINT NOT NULL REFERENCES members (id),
    member_b BIGINT NOT NULL REFERENCES members (id),
    PRIMARY KEY (meeting_id, member_a, member_b),
    CHECK (member_a < member_b)
);
