-- Exams of the study area (issue 15, 5): an org's question bank, exams with a fixed paper or
-- one drawn by rule, and sittings — each with its own paper (the order and option order it
-- showed), the server's deadline, the answers saved, and the grade. Nothing here ranks.
CREATE TABLE exam_questions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    -- The options of a choice question, one per line.
    options TEXT NOT NULL,
    answer_key TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX exam_questions_org ON exam_questions (org_id, kind);

CREATE TABLE exams (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    pass_percent BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    published_on TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (minutes > 0 AND pass_percent BETWEEN 1 AND 100 AND max_attempts > 0),
    CHECK (opens_on <= closes_on)
);
CREATE INDEX exams_org ON exams (org_id, opens_on);

-- A fixed paper's questions, or (question_id NULL) a rule drawing `draw` questions of `kind`.
CREATE TABLE exam_parts (
    id {{id}},
    exam_id BIGINT NOT NULL REFERENCES exams (id),
    question_id BIGINT REFERENCES exam_questions (id),
    kind TEXT,
    draw BIGINT,
    points BIGINT NOT NULL,
    CHECK ((question_id IS NULL) = (kind IS NOT NULL AND draw > 0)),
    CHECK (points > 0)
);
CREATE INDEX exam_parts_exam ON exam_parts (exam_id);

CREATE TABLE exam_sittings (
    id {{id}},
    exam_id BIGINT NOT NULL REFERENCES exams (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    attempt BIGINT NOT NULL,
    started_at TEXT NOT NULL,
    deadline_at TEXT NOT NULL,
    submitted_at TEXT,
    score BIGINT,
    total BIGINT NOT NULL,
    passed BIGINT
);
-- Two starts at once (a double click) make one sitting: the second is refused.
CREATE UNIQUE INDEX uq__exam_sittings__attempt ON exam_sittings (exam_id, member_id, attempt);
CREATE INDEX exam_sittings_member ON exam_sittings (member_id);

-- The sitting's paper, in the order shown: each question with its points, the options'
-- order as shown (original positions, comma separated), and the answer saved.
CREATE TABLE exam_answers (
    sitting_id BIGINT NOT NULL REFERENCES exam_sittings (id),
    position BIGINT NOT NULL,
    question_id BIGINT NOT NULL REFERENCES exam_questions (id),
    points BIGINT NOT NULL,
    shown TEXT NOT NULL,
    given TEXT,
    correct BIGINT,
    PRIMARY KEY (sitting_id, position)
);
CREATE INDEX exam_answers_question ON exam_answers (question_id);
