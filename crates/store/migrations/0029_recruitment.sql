-- 发展党员 (issue 18): each person on the path from applicant to full member, at the branch
-- that takes their application, under the version of the rules they started with; each of
-- the twenty-five steps recorded once with its day, and the half-yearly reviews of an
-- activist. Dates are `YYYY-MM-DD`.
CREATE TABLE recruits (
    id {{id}},
    branch_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    police_number TEXT,
    -- "2014" or "2026.05": the rules the path is checked by.
    rule_version TEXT NOT NULL,
    -- active, withdrawn (本人撤回或不再培养), or full (转正).
    status TEXT NOT NULL,
    -- The first day of the 公示 before 确定发展对象, when one was held.
    publicity_from TEXT,
    -- Months the probation was extended by (R4.19).
    extension_months BIGINT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX recruits_branch ON recruits (branch_id, status);

CREATE TABLE recruit_steps (
    recruit_id BIGINT NOT NULL REFERENCES recruits (id),
    step TEXT NOT NULL,
    done_on TEXT NOT NULL,
    note TEXT NOT NULL,
    -- Days past the step's deadline when it was recorded (0 on time; NULL without one).
    days_late BIGINT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (recruit_id, step)
);

CREATE TABLE recruit_reviews (
    id {{id}},
    recruit_id BIGINT NOT NULL REFERENCES recruits (id),
    reviewed_on TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX recruit_reviews_recruit ON recruit_reviews (recruit_id, reviewed_on);
