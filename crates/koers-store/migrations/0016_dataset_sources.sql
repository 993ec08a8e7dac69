-- Datasets read from a remote service (OGC API – Features, WFS, CBS OData, CKAN): the
-- service's definition (as JSON), the hash of what was fetched last (a refresh whose data
-- did not change makes no new version), and the outcome of the last check.

CREATE TABLE dataset_sources (
    dataset_id    TEXT PRIMARY KEY REFERENCES datasets (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('ogcapi', 'wfs', 'odata', 'ckan')),
    definition    TEXT NOT NULL,
    content_hash  TEXT,
    checked_at    TEXT,
    outcome       TEXT CHECK (outcome IN ('imported', 'unchanged', 'failed')),
    message       TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
);

-- Scheduled refresh of datasets from their source, claimed like indicators' (see 0010).
CREATE TABLE dataset_schedules (
    dataset_id  TEXT PRIMARY KEY REFERENCES datasets (id) ON DELETE CASCADE,
    every       TEXT NOT NULL CHECK (every IN ('hourly', 'daily', 'weekly')),
    next_due    TEXT NOT NULL
);
CREATE INDEX dataset_schedules_due ON dataset_schedules (next_due);
