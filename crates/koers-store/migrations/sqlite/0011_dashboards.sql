-- Dashboards (M3): the current definition, every saved version, cached widget results per
-- filter choice; and evidence snapshots may now freeze a dashboard too.

CREATE TABLE dashboards (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    owner_id      TEXT NOT NULL,
    visibility    TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'roles', 'public')),
    shared_roles  TEXT NOT NULL DEFAULT '',
    public_token  TEXT UNIQUE,
    version       INTEGER NOT NULL,
    definition    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX dashboards_org ON dashboards (org_id);

CREATE TABLE dashboard_versions (
    dashboard_id  TEXT NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    definition    TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    saved_by      TEXT NOT NULL,
    saved_at      TEXT NOT NULL,
    PRIMARY KEY (dashboard_id, version)
);

CREATE TABLE dashboard_results (
    dashboard_id  TEXT NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    filter_key    TEXT NOT NULL,
    widget_id     TEXT NOT NULL,
    computed_at   TEXT NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (dashboard_id, version, filter_key, widget_id)
);

-- Snapshots of dashboards: the subject check gains 'dashboard'. SQLite cannot alter a
-- check, so the table is rebuilt (DROP TABLE fires no triggers) and its guards restored.
CREATE TABLE evidence_snapshots_new (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('monitor', 'indicator', 'dashboard')),
    subject_id    TEXT NOT NULL,
    title         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
INSERT INTO evidence_snapshots_new SELECT id, org_id, subject_kind, subject_id, title, note, content, content_hash, created_by, created_at FROM evidence_snapshots;
DROP TABLE evidence_snapshots;
ALTER TABLE evidence_snapshots_new RENAME TO evidence_snapshots;
CREATE INDEX evidence_snapshots_subject ON evidence_snapshots (org_id, subject_kind, subject_id, created_at);
CREATE TRIGGER evidence_snapshots_no_update BEFORE UPDATE ON evidence_snapshots
BEGIN SELECT RAISE(ABORT, 'evidence snapshots are immutable'); END;
CREATE TRIGGER evidence_snapshots_no_delete BEFORE DELETE ON evidence_snapshots
BEGIN SELECT RAISE(ABORT, 'evidence snapshots are immutable'); END;
