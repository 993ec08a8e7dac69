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
    framework_version  INTEGER,
    board_reference    TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX choices_app ON choices (org_id, application_id);
CREATE INDEX choices_agenda ON choices (org_id, level, status);

CREATE TABLE choice_frameworks (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    framework   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE decision_events (
    org_id      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    prev_hash   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TRIGGER decision_events_no_update BEFORE UPDATE ON decision_events
BEGIN SELECT RAISE(ABORT, 'decision history is append-only'); END;
CREATE TRIGGER decision_events_no_delete BEFORE DELETE ON decision_events
BEGIN SELECT RAISE(ABORT, 'decision history is append-only'); END;
CREATE TRIGGER choice_frameworks_no_update BEFORE UPDATE ON choice_frameworks
BEGIN SELECT RAISE(ABORT, 'framework versions are immutable'); END;
