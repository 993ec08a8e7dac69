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
--sqlite:    framework_version  INTEGER,
--postgres:    framework_version  BIGINT,
    board_reference    TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX choices_app ON choices (org_id, application_id);
CREATE INDEX choices_agenda ON choices (org_id, level, status);

CREATE TABLE choice_frameworks (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
--sqlite:    version     INTEGER NOT NULL,
--postgres:    version     BIGINT NOT NULL,
    framework   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE decision_events (
    org_id      TEXT NOT NULL,
--sqlite:    seq         INTEGER NOT NULL,
--postgres:    seq         BIGINT NOT NULL,
    prev_hash   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

--sqlite:CREATE TRIGGER decision_events_no_update BEFORE UPDATE ON decision_events
--sqlite:BEGIN SELECT RAISE(ABORT, 'decision history is append-only'); END;
--sqlite:CREATE TRIGGER decision_events_no_delete BEFORE DELETE ON decision_events
--sqlite:BEGIN SELECT RAISE(ABORT, 'decision history is append-only'); END;
--postgres:CREATE FUNCTION decision_events_append_only() RETURNS trigger AS $$
--postgres:BEGIN RAISE EXCEPTION 'decision history is append-only'; END;
--postgres:$$ LANGUAGE plpgsql;
--postgres:CREATE TRIGGER decision_events_no_change BEFORE UPDATE OR DELETE ON decision_events
--postgres:FOR EACH ROW EXECUTE FUNCTION decision_events_append_only();
--postgres:CREATE FUNCTION choice_frameworks_immutable() RETURNS trigger AS $$
--postgres:BEGIN RAISE EXCEPTION 'framework versions are immutable'; END;
--postgres:$$ LANGUAGE plpgsql;
CREATE TRIGGER choice_frameworks_no_update BEFORE UPDATE ON choice_frameworks
--sqlite:BEGIN SELECT RAISE(ABORT, 'framework versions are immutable'); END;
--postgres:FOR EACH ROW EXECUTE FUNCTION choice_frameworks_immutable();
--postgres:
