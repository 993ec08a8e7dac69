-- A module's content may also be a file (kept like an attachment, under its hash), a
-- reflection (a prompt each participant answers) or a short quiz, and participants' answers
-- are kept, one per participant and piece (issue 23).
-- SQLite cannot change a CHECK constraint in place: learning_content is rebuilt (no table
-- refers to it yet, so the old one can go inside the migration's transaction).
--sqlite:CREATE TABLE learning_content_new (
--sqlite:    id         TEXT PRIMARY KEY,
--sqlite:    module_id  TEXT NOT NULL REFERENCES learning_modules (id) ON DELETE CASCADE,
--sqlite:    position   INTEGER NOT NULL,
--sqlite:    kind       TEXT NOT NULL CHECK (kind IN ('page', 'link', 'video', 'assignment', 'file', 'reflection', 'quiz')),
--sqlite:    title      TEXT NOT NULL,
--sqlite:    body       TEXT NOT NULL,
--sqlite:    url        TEXT NOT NULL,
--sqlite:    created_at TEXT NOT NULL,
--sqlite:    file_name     TEXT,
--sqlite:    content_type  TEXT,
--sqlite:    size_bytes    INTEGER,
--sqlite:    stored_as     TEXT
--sqlite:);
--sqlite:INSERT INTO learning_content_new (id, module_id, position, kind, title, body, url, created_at)
--sqlite:    SELECT id, module_id, position, kind, title, body, url, created_at FROM learning_content;
--sqlite:DROP TABLE learning_content;
--sqlite:ALTER TABLE learning_content_new RENAME TO learning_content;
--sqlite:CREATE INDEX learning_content_module ON learning_content (module_id, position);
--postgres:ALTER TABLE learning_content DROP CONSTRAINT learning_content_kind_check;
--postgres:ALTER TABLE learning_content ADD CONSTRAINT learning_content_kind_check
--postgres:    CHECK (kind IN ('page', 'link', 'video', 'assignment', 'file', 'reflection', 'quiz'));
--postgres:ALTER TABLE learning_content ADD COLUMN file_name TEXT;
--postgres:ALTER TABLE learning_content ADD COLUMN content_type TEXT;
--postgres:ALTER TABLE learning_content ADD COLUMN size_bytes BIGINT;
--postgres:ALTER TABLE learning_content ADD COLUMN stored_as TEXT;

-- `answer`: the reflection's text, or the quiz's chosen options as JSON; a quiz keeps its mark.
CREATE TABLE learning_responses (
    content_id      TEXT NOT NULL REFERENCES learning_content (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES learning_participants (id) ON DELETE CASCADE,
    answer          TEXT NOT NULL,
--sqlite:    quiz_right      INTEGER,
--sqlite:    quiz_total      INTEGER,
--postgres:    quiz_right      BIGINT,
--postgres:    quiz_total      BIGINT,
    answered_at     TEXT NOT NULL,
    PRIMARY KEY (content_id, participant_id)
);
