-- An umbrella body (such as IPO for the provinces) is an organisation kind of its own; it
-- lists its member organisations, and a maturity round's participant may be such a member,
-- which then reads its own final report in its own workspace (issue 23).
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (the procedure of
-- SQLite's ALTER TABLE documentation), which needs the foreign keys off — or dropping the old
-- table would cascade into every table that refers to it. That switch does nothing inside a
-- transaction, and sqlx runs a migration in one; so this file ends that (still empty)
-- transaction, rebuilds in its own with the keys off, checks them, switches them on again and
-- opens a transaction for sqlx to record the migration in and commit.
--sqlite:COMMIT;
--sqlite:PRAGMA foreign_keys = OFF;
--sqlite:BEGIN;
--sqlite:CREATE TABLE organisations_new (
--sqlite:    id            TEXT PRIMARY KEY,
--sqlite:    name          TEXT NOT NULL,
--sqlite:    kind          TEXT NOT NULL CHECK (kind IN ('province', 'municipality', 'water_board', 'umbrella', 'other')),
--sqlite:    cbs_code      TEXT UNIQUE,
--sqlite:    tooi_code     TEXT,
--sqlite:    created_at    TEXT NOT NULL,
--sqlite:    table_prefix  TEXT NOT NULL DEFAULT ''
--sqlite:);
--sqlite:INSERT INTO organisations_new (id, name, kind, cbs_code, tooi_code, created_at, table_prefix)
--sqlite:    SELECT id, name, kind, cbs_code, tooi_code, created_at, table_prefix FROM organisations;
--sqlite:DROP TABLE organisations;
--sqlite:ALTER TABLE organisations_new RENAME TO organisations;
--sqlite:CREATE UNIQUE INDEX organisations_table_prefix ON organisations (table_prefix);
--postgres:ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
--postgres:ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
--postgres:    CHECK (kind IN ('province', 'municipality', 'water_board', 'umbrella', 'other'));

CREATE TABLE organisation_members (
    umbrella_id  TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    added_at     TEXT NOT NULL,
    PRIMARY KEY (umbrella_id, member_id)
);
CREATE INDEX organisation_members_member ON organisation_members (member_id);
ALTER TABLE maturity_participants ADD COLUMN member_org_id TEXT REFERENCES organisations (id) ON DELETE SET NULL;
--sqlite:COMMIT;
--sqlite:PRAGMA foreign_keys = ON;
--sqlite:BEGIN;
