-- Incremental refresh (issue 24). A version that only appends rows to the version before it
-- says so, with those rows alone in a file of their own; and the aggregate state of a query
-- that can grow is kept per organisation and query, with the dataset versions it was made of.
ALTER TABLE dataset_versions ADD COLUMN appended_to TEXT;
ALTER TABLE dataset_versions ADD COLUMN added_file TEXT;
--sqlite:ALTER TABLE dataset_versions ADD COLUMN added_rows INTEGER;
--postgres:ALTER TABLE dataset_versions ADD COLUMN added_rows BIGINT;
CREATE TABLE kept_states (
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    query_key   TEXT NOT NULL,
    versions    TEXT NOT NULL,
--sqlite:    state       BLOB NOT NULL,
--postgres:    state       BYTEA NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (org_id, query_key)
);
