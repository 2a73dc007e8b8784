-- A chapter's quiz (issue 15, 3): questions of the bank the member answers right to finish
-- the chapter — the third way a chapter is finished, beside reaching the end of its media and
-- reading it to its last page.
CREATE TABLE chapter_questions (
    chapter_id BIGINT NOT NULL REFERENCES course_chapters (id),
    question_id BIGINT NOT NULL REFERENCES exam_questions (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (chapter_id, question_id)
);
CREATE INDEX chapter_questions_question ON chapter_questions (question_id);
