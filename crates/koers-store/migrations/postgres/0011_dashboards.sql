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
    version       BIGINT NOT NULL,
    definition    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX dashboards_org ON dashboards (org_id);

CREATE TABLE dashboard_versions (
    dashboard_id  TEXT NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,
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
    version       BIGINT NOT NULL,
    filter_key    TEXT NOT NULL,
    widget_id     TEXT NOT NULL,
    computed_at   TEXT NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (dashboard_id, version, filter_key, widget_id)
);

-- Snapshots of dashboards: the subject check gains 'dashboard'.
ALTER TABLE evidence_snapshots DROP CONSTRAINT evidence_snapshots_subject_kind_check;
ALTER TABLE evidence_snapshots ADD CONSTRAINT evidence_snapshots_subject_kind_check
    CHECK (subject_kind IN ('monitor', 'indicator', 'dashboard'));
