-- 书记抓党建述职评议 (issue 19, 3): the upper org's review session of an org's secretary for
-- a year (the report pack itself is built from the records), the 民主测评 counted from the
-- forms, the reviewers' grades and comments, and the overall grade that the org page shows.
CREATE TABLE duty_reviews (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    -- The secretary who reported (none when the post was vacant).
    secretary_id BIGINT REFERENCES members (id),
    held_on TEXT NOT NULL,
    chaired_by TEXT NOT NULL,
    leader_comment TEXT NOT NULL,
    attendees BIGINT NOT NULL,
    good BIGINT NOT NULL,
    fairly_good BIGINT NOT NULL,
    average BIGINT NOT NULL,
    poor BIGINT NOT NULL,
    grade TEXT,
    graded_on TEXT,
    grade_note TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, year),
    CHECK (good + fairly_good + average + poor <= attendees)
);

CREATE TABLE duty_review_comments (
    id {{id}},
    review_id BIGINT NOT NULL REFERENCES duty_reviews (id),
    reviewer TEXT NOT NULL,
    grade TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX duty_review_comments_review ON duty_review_comments (review_id, id);
