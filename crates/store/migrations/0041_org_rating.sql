-- 党组织考核评价 (issue 19, 1–2). An indicator set is written as a draft and published by
-- the committee office; once published it never changes (a change is the next version, a
-- copy). A round scores the orgs of the set's kind below an organiser over a year or a
-- quarter: the orgs' self-assessment, the computed and assessor scores, objections with
-- their answers, and each org's total and grade.
CREATE TABLE indicator_sets (
    id {{id}},
    name TEXT NOT NULL,
    org_kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    previous_id BIGINT REFERENCES indicator_sets (id),
    status TEXT NOT NULL,
    published_on TEXT,
    published_by TEXT,
    row_version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((status = 'published') = (published_on IS NOT NULL)),
    UNIQUE (name, version)
);

CREATE TABLE indicators (
    id {{id}},
    set_id BIGINT NOT NULL REFERENCES indicator_sets (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    method TEXT NOT NULL,
    weight BIGINT NOT NULL,
    per_item BIGINT NOT NULL,
    guide TEXT NOT NULL,
    UNIQUE (set_id, name)
);

-- quarter 0 is the whole year.
CREATE TABLE assessment_rounds (
    id {{id}},
    set_id BIGINT NOT NULL REFERENCES indicator_sets (id),
    organiser_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    quarter BIGINT NOT NULL,
    stage TEXT NOT NULL,
    computed_at TEXT,
    published_on TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (organiser_id, set_id, year, quarter)
);

-- The orgs assessed, as they stood when the round opened, and their self-assessment.
CREATE TABLE round_orgs (
    round_id BIGINT NOT NULL REFERENCES assessment_rounds (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    org_code TEXT NOT NULL,
    org_name TEXT NOT NULL,
    unit_code TEXT,
    secretary TEXT,
    self_submitted_on TEXT,
    self_summary TEXT,
    PRIMARY KEY (round_id, org_id)
);
CREATE INDEX round_orgs_org ON round_orgs (org_id);

-- Points in tenths. A computed score's basis says what the records held and its link opens
-- them; points NULL with a basis is 无数据.
CREATE TABLE round_scores (
    round_id BIGINT NOT NULL REFERENCES assessment_rounds (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    self_points BIGINT,
    self_note TEXT,
    points BIGINT,
    basis TEXT,
    link TEXT,
    note TEXT,
    scored_by TEXT,
    PRIMARY KEY (round_id, org_id, indicator_id)
);

-- total NULL: too little had data for a grade (数据不足).
CREATE TABLE round_results (
    round_id BIGINT NOT NULL REFERENCES assessment_rounds (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    raw BIGINT NOT NULL,
    weight_with_data BIGINT NOT NULL,
    total BIGINT,
    grade TEXT,
    PRIMARY KEY (round_id, org_id)
);

CREATE TABLE round_objections (
    id {{id}},
    round_id BIGINT NOT NULL REFERENCES assessment_rounds (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    reason TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    upheld BIGINT,
    answer TEXT,
    points_before BIGINT,
    points_after BIGINT,
    answered_by TEXT,
    answered_at TEXT,
    CHECK ((upheld IS NULL) = (answer IS NULL))
);
CREATE INDEX round_objections_round ON round_objections (round_id, org_id);
CREATE UNIQUE INDEX round_objections_open ON round_objections (round_id, org_id, indicator_id)
    WHERE upheld IS NULL;
