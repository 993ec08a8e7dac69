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
--sqlite:    version       INTEGER NOT NULL,
--postgres:    version       BIGINT NOT NULL,
    definition    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX dashboards_org ON dashboards (org_id);

CREATE TABLE dashboard_versions (
    dashboard_id  TEXT NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
--sqlite:    version       INTEGER NOT NULL,
--postgres:    version       BIGINT NOT NULL,
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
--sqlite:    version       INTEGER NOT NULL,
--postgres:    version       BIGINT NOT NULL,
    filter_key    TEXT NOT NULL,
    widget_id     TEXT NOT NULL,
    computed_at   TEXT NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (dashboard_id, version, filter_key, widget_id)
);

--sqlite:-- Snapshots of dashboards: the subject check gains 'dashboard'. SQLite cannot alter a
--sqlite:-- check, so the table is rebuilt (DROP TABLE fires no triggers) and its guards restored.
--sqlite:CREATE TABLE evidence_snapshots_new (
--sqlite:    id            TEXT PRIMARY KEY,
--sqlite:    org_id        TEXT NOT NULL REFERENCES organisations (id),
--sqlite:    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('monitor', 'indicator', 'dashboard')),
--sqlite:    subject_id    TEXT NOT NULL,
--sqlite:    title         TEXT NOT NULL,
--sqlite:    note          TEXT NOT NULL DEFAULT '',
--sqlite:    content       TEXT NOT NULL,
--sqlite:    content_hash  TEXT NOT NULL,
--sqlite:    created_by    TEXT NOT NULL,
--sqlite:    created_at    TEXT NOT NULL
--sqlite:);
--sqlite:INSERT INTO evidence_snapshots_new SELECT id, org_id, subject_kind, subject_id, title, note, content, content_hash, created_by, created_at FROM evidence_snapshots;
--sqlite:DROP TABLE evidence_snapshots;
--sqlite:ALTER TABLE evidence_snapshots_new RENAME TO evidence_snapshots;
--sqlite:CREATE INDEX evidence_snapshots_subject ON evidence_snapshots (org_id, subject_kind, subject_id, created_at);
--sqlite:CREATE TRIGGER evidence_snapshots_no_update BEFORE UPDATE ON evidence_snapshots
--sqlite:BEGIN SELECT RAISE(ABORT, 'evidence snapshots are immutable'); END;
--sqlite:CREATE TRIGGER evidence_snapshots_no_delete BEFORE DELETE ON evidence_snapshots
--sqlite:BEGIN SELECT RAISE(ABORT, 'evidence snapshots are immutable'); END;
--postgres:-- Snapshots of dashboards: the subject check gains 'dashboard'.
--postgres:ALTER TABLE evidence_snapshots DROP CONSTRAINT evidence_snapshots_subject_kind_check;
--postgres:ALTER TABLE evidence_snapshots ADD CONSTRAINT evidence_snapshots_subject_kind_check
--postgres:    CHECK (subject_kind IN ('monitor', 'indicator', 'dashboard'));
