-- Evidence snapshots (M3): what a board saw, frozen with a content hash. Never changed.

CREATE TABLE evidence_snapshots (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('monitor', 'indicator')),
    subject_id    TEXT NOT NULL,
    title         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX evidence_snapshots_subject ON evidence_snapshots (org_id, subject_kind, subject_id, created_at);

--sqlite:CREATE TRIGGER evidence_snapshots_no_update BEFORE UPDATE ON evidence_snapshots
--sqlite:BEGIN SELECT RAISE(ABORT, 'evidence snapshots are immutable'); END;
--sqlite:CREATE TRIGGER evidence_snapshots_no_delete BEFORE DELETE ON evidence_snapshots
--sqlite:BEGIN SELECT RAISE(ABORT, 'evidence snapshots are immutable'); END;
--postgres:CREATE FUNCTION evidence_snapshots_immutable() RETURNS trigger AS $$
--postgres:BEGIN RAISE EXCEPTION 'evidence snapshots are immutable'; END;
--postgres:$$ LANGUAGE plpgsql;
--postgres:CREATE TRIGGER evidence_snapshots_no_change BEFORE UPDATE OR DELETE ON evidence_snapshots
--postgres:FOR EACH ROW EXECUTE FUNCTION evidence_snapshots_immutable();
