-- Each member's 学时 of a year by source, kept with the credit ledger in the same
-- transactions (issue 15, bench: a province's attainment under a second cold). The ledger
-- stays the truth: a row here is recomputed from it for every member a change touches.
CREATE TABLE study_year_hours (
    year BIGINT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members (id),
    source TEXT NOT NULL,
    hours BIGINT NOT NULL,
    PRIMARY KEY (year, member_id, source)
);
INSERT INTO study_year_hours (year, member_id, source, hours)
SELECT CAST(SUBSTR(credited_on, 1, 4) AS BIGINT), member_id, source, SUM(hours)
FROM study_credits
GROUP BY CAST(SUBSTR(credited_on, 1, 4) AS BIGINT), member_id, source;
