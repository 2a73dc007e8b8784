-- Files kept in the database (issue 15, 3; the shape issue 21 moves every file into): a file
-- is its SM3 digest, its type and size, and its bytes in numbered chunks, so that a range
-- request reads only the chunks it needs and every node serves every file.
CREATE TABLE file_blobs (
    digest TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    chunk_size BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (size >= 0 AND chunk_size > 0)
);

CREATE TABLE file_chunks (
    digest TEXT NOT NULL REFERENCES file_blobs (digest),
    n BIGINT NOT NULL,
    bytes {{blob}} NOT NULL,
    PRIMARY KEY (digest, n)
);

-- Micro-lectures and online courses (微党课、云课堂): chapters of text, PDF, audio or video,
-- for the members at or below the org that offers them once published; each chapter's
-- 学时 fixed by its length when it is added, credited when a member finishes it.
CREATE TABLE courses (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    micro BIGINT NOT NULL,
    published_on TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX courses_org ON courses (org_id, published_on);

CREATE TABLE course_chapters (
    id {{id}},
    course_id BIGINT NOT NULL REFERENCES courses (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    media TEXT NOT NULL,
    -- The text of a text chapter; a file's chapter names its file instead.
    body TEXT,
    file_digest TEXT REFERENCES file_blobs (digest),
    file_name TEXT,
    minutes BIGINT NOT NULL,
    hours BIGINT NOT NULL,
    CHECK ((media = 'text') = (body IS NOT NULL)),
    CHECK ((media = 'text') = (file_digest IS NULL)),
    CHECK (minutes > 0)
);
CREATE UNIQUE INDEX uq__course_chapters__position ON course_chapters (course_id, position);

CREATE TABLE chapter_completions (
    chapter_id BIGINT NOT NULL REFERENCES course_chapters (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    completed_on TEXT NOT NULL,
    PRIMARY KEY (chapter_id, member_id)
);
CREATE INDEX chapter_completions_member ON chapter_completions (member_id);
