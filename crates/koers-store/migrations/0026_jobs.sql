-- Background jobs (imports, refreshes) and how far they are, so that every koers process on
-- one database can follow a job another process runs (issue 24).
CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    result     TEXT,
    error      TEXT,
--sqlite:    done       INTEGER NOT NULL,
--sqlite:    total      INTEGER NOT NULL,
--postgres:    done       BIGINT NOT NULL,
--postgres:    total      BIGINT NOT NULL,
    unit       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_org ON jobs (org_id, updated_at);
