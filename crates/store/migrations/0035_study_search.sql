-- Search across study materials (issue 15, 7): the text taken from a chapter's PDF when it
-- was uploaded, kept so that the search index is rebuilt from the database alone.
ALTER TABLE course_chapters ADD COLUMN file_text TEXT;
