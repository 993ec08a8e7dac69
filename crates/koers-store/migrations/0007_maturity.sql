-- Maturity monitor (M6): frameworks, survey rounds, participants, items, invitations,
-- anonymous responses, documents and interview notes, and coded passages. A round and all
-- its data belong to the organisation that runs it.

CREATE TABLE maturity_frameworks (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
--sqlite:    version     INTEGER NOT NULL,
--postgres:    version     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, version)
);

CREATE TABLE maturity_rounds (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    framework_id     TEXT NOT NULL REFERENCES maturity_frameworks (id),
    name             TEXT NOT NULL,
--sqlite:    year             INTEGER NOT NULL,
--sqlite:    min_respondents  INTEGER NOT NULL,
--postgres:    year             BIGINT NOT NULL,
--postgres:    min_respondents  BIGINT NOT NULL,
    weights          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    anon_key         TEXT NOT NULL,
--sqlite:    generated        INTEGER NOT NULL DEFAULT 0,
--postgres:    generated        BIGINT NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    closed_at        TEXT
);
CREATE INDEX maturity_rounds_org ON maturity_rounds (org_id);

CREATE TABLE maturity_participants (
    id        TEXT PRIMARY KEY,
    round_id  TEXT NOT NULL REFERENCES maturity_rounds (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    cbs_code  TEXT,
    UNIQUE (round_id, name)
);

CREATE TABLE maturity_items (
    id             TEXT PRIMARY KEY,
    round_id       TEXT NOT NULL REFERENCES maturity_rounds (id) ON DELETE CASCADE,
--sqlite:    position       INTEGER NOT NULL,
--postgres:    position       BIGINT NOT NULL,
    dimension_key  TEXT,
    kind           TEXT NOT NULL CHECK (kind IN ('likert', 'open')),
    body           TEXT NOT NULL
);
CREATE INDEX maturity_items_round ON maturity_items (round_id, position);

-- Invitations carry only the SHA-256 of their token; a response does not point back to
-- the invitation it came through, so answers stay anonymous within the organisation.
CREATE TABLE maturity_invitations (
    id              TEXT PRIMARY KEY,
    round_id        TEXT NOT NULL REFERENCES maturity_rounds (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES maturity_participants (id) ON DELETE CASCADE,
    token_digest    TEXT NOT NULL UNIQUE,
    label           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    used_at         TEXT
);
CREATE INDEX maturity_invitations_round ON maturity_invitations (round_id, participant_id);

CREATE TABLE maturity_responses (
    id              TEXT PRIMARY KEY,
    round_id        TEXT NOT NULL REFERENCES maturity_rounds (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES maturity_participants (id) ON DELETE CASCADE
);
CREATE INDEX maturity_responses_round ON maturity_responses (round_id, participant_id);

CREATE TABLE maturity_answers (
    response_id  TEXT NOT NULL REFERENCES maturity_responses (id) ON DELETE CASCADE,
    item_id      TEXT NOT NULL REFERENCES maturity_items (id) ON DELETE CASCADE,
--sqlite:    likert       INTEGER,
--postgres:    likert       BIGINT,
    comment      TEXT,
    PRIMARY KEY (response_id, item_id)
);

CREATE TABLE maturity_sources (
    id              TEXT PRIMARY KEY,
    round_id        TEXT NOT NULL REFERENCES maturity_rounds (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES maturity_participants (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('document', 'interview')),
    title           TEXT NOT NULL,
    file_name       TEXT,
    stored_name     TEXT,
    media_type      TEXT,
--sqlite:    byte_size       INTEGER NOT NULL DEFAULT 0,
--postgres:    byte_size       BIGINT NOT NULL DEFAULT 0,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX maturity_sources_round ON maturity_sources (round_id, participant_id);

CREATE TABLE maturity_codes (
    id             TEXT PRIMARY KEY,
    source_id      TEXT NOT NULL REFERENCES maturity_sources (id) ON DELETE CASCADE,
    dimension_key  TEXT NOT NULL,
--sqlite:    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
--postgres:    level          BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    passage        TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    coded_by       TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX maturity_codes_source ON maturity_codes (source_id);
