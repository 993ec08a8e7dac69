-- The catalog (M1) and saved analyses (M2).

CREATE TABLE datasets (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    publisher       TEXT NOT NULL,
    contact_name    TEXT NOT NULL DEFAULT '',
    contact_email   TEXT NOT NULL DEFAULT '',
    theme           TEXT NOT NULL,
    licence         TEXT NOT NULL,
    access_rights   TEXT NOT NULL CHECK (access_rights IN ('public', 'restricted', 'non_public')),
    cadence         TEXT NOT NULL,
    tags            TEXT NOT NULL DEFAULT '[]',
    owner_id        TEXT REFERENCES users (id) ON DELETE SET NULL,
--sqlite:    generated       INTEGER NOT NULL DEFAULT 0,
--postgres:    generated       BIGINT NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE dataset_versions (
    id           TEXT PRIMARY KEY,
    dataset_id   TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
--sqlite:    version      INTEGER NOT NULL,
--postgres:    version      BIGINT NOT NULL,
    file         TEXT NOT NULL,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
--sqlite:    row_count    INTEGER NOT NULL,
--sqlite:    byte_size    INTEGER NOT NULL,
--postgres:    row_count    BIGINT NOT NULL,
--postgres:    byte_size    BIGINT NOT NULL,
    columns      TEXT NOT NULL,
    geometry     TEXT,
    quality      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (dataset_id, version)
);

CREATE TABLE analyses (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    sql_text     TEXT NOT NULL,
    parameters   TEXT NOT NULL DEFAULT '[]',
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX analyses_org ON analyses (org_id);
