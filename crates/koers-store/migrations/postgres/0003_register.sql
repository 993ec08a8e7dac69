-- The register of applications and algorithms (M5): applications, their choices (MADR),
-- the versioned choice framework (keuzekader) per organisation, and the hash-chained
-- history of decision events.

CREATE TABLE applications (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    draft         TEXT NOT NULL,
    dataset_ids   TEXT NOT NULL DEFAULT '[]',
    product_links TEXT NOT NULL DEFAULT '[]',
    publication   TEXT NOT NULL DEFAULT '{}',
    ai_act        TEXT,
    prescan       TEXT,
    measures      TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX applications_org ON applications (org_id, name);

CREATE TABLE choices (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    application_id     TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    choice             TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('proposed', 'advised', 'decided', 'superseded')),
    level              TEXT NOT NULL CHECK (level IN ('official', 'management', 'board')),
    framework_version  BIGINT,
    board_reference    TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX choices_app ON choices (org_id, application_id);
CREATE INDEX choices_agenda ON choices (org_id, level, status);

CREATE TABLE choice_frameworks (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    framework   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE decision_events (
    org_id      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    prev_hash   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE FUNCTION decision_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'decision history is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER decision_events_no_change BEFORE UPDATE OR DELETE ON decision_events
FOR EACH ROW EXECUTE FUNCTION decision_events_append_only();
CREATE FUNCTION choice_frameworks_immutable() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'framework versions are immutable'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER choice_frameworks_no_update BEFORE UPDATE ON choice_frameworks
FOR EACH ROW EXECUTE FUNCTION choice_frameworks_immutable();

