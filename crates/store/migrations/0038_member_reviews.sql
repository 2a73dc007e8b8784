-- 民主评议党员 and the 组织处置 of a member found 不合格 (issue 19, 4). A branch reviews its
-- members once a year: the roster is taken when the review opens, each member's 自评 (with
-- their 党性分析) and the 互评 summary are kept on their entry, the committee's proposal and the
-- decided grade beside them.
CREATE TABLE member_reviews (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    stage TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    -- The general meeting that decided the grades.
    decided_on TEXT,
    expected BIGINT,
    present BIGINT,
    -- More 优秀 than the share: why, and the upper committee's approval.
    excess_reason TEXT,
    approved_on TEXT,
    approved_by TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, year)
);

CREATE TABLE review_entries (
    review_id BIGINT NOT NULL REFERENCES member_reviews (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    probationary BIGINT NOT NULL,
    self_evaluation TEXT,
    party_analysis TEXT,
    self_on TEXT,
    peer_summary TEXT,
    grade TEXT,
    reason TEXT,
    plan TEXT,
    disposition TEXT,
    months BIGINT,
    -- The grade as decided: set only when the review is decided.
    final_grade TEXT,
    PRIMARY KEY (review_id, member_id)
);
CREATE INDEX review_entries_member ON review_entries (member_id);

-- The 民主测评 is a secret ballot: who voted is kept (one ballot each) and what was voted is
-- added to the totals, and nothing ties the two together.
CREATE TABLE review_voters (
    review_id BIGINT NOT NULL REFERENCES member_reviews (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    PRIMARY KEY (review_id, member_id)
);

CREATE TABLE review_tallies (
    review_id BIGINT NOT NULL REFERENCES member_reviews (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    grade TEXT NOT NULL,
    votes BIGINT NOT NULL,
    PRIMARY KEY (review_id, member_id, grade)
);

CREATE TABLE dispositions (
    id {{id}},
    review_id BIGINT NOT NULL REFERENCES member_reviews (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL,
    months BIGINT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, member_id)
);
CREATE INDEX dispositions_status ON dispositions (status, opened_on);

CREATE TABLE disposition_steps (
    disposition_id BIGINT NOT NULL REFERENCES dispositions (id),
    step TEXT NOT NULL,
    done_on TEXT NOT NULL,
    passed BIGINT NOT NULL,
    -- Who: the two members who talked, the body that pre-reviewed or approved.
    people TEXT NOT NULL,
    note TEXT NOT NULL,
    expected BIGINT,
    present BIGINT,
    ayes BIGINT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (disposition_id, step)
);
