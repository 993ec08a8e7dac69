-- What a module of a learning programme holds: pages and assignments (Markdown), links and
-- videos, in order (issue 23).
CREATE TABLE learning_content (
    id         TEXT PRIMARY KEY,
    module_id  TEXT NOT NULL REFERENCES learning_modules (id) ON DELETE CASCADE,
--sqlite:    position   INTEGER NOT NULL,
--postgres:    position   BIGINT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('page', 'link', 'video', 'assignment')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    url        TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX learning_content_module ON learning_content (module_id, position);
