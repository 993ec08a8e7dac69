-- Decisions published on the organisation's public page (Woo), with the fields left out
-- (issue 22).
CREATE TABLE choice_publications (
    choice_id    TEXT PRIMARY KEY REFERENCES choices (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    redacted     TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX choice_publications_org ON choice_publications (org_id, published_at);
