--sqlite:-- Organisations, users, memberships with roles, sessions and the audit log.
--sqlite:-- Identifiers are UUID text; timestamps are RFC 3339 UTC text with microseconds, so they sort.
--postgres:-- Organisations, users, memberships with roles, sessions and the audit log (PostgreSQL).
--postgres:-- Same shape as the SQLite migration so one query layer serves both.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('province', 'municipality', 'water_board', 'other')),
    cbs_code    TEXT UNIQUE,
    tooi_code   TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
--sqlite:    instance_admin  INTEGER NOT NULL DEFAULT 0,
--postgres:    instance_admin  BIGINT NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

CREATE TABLE memberships (
    org_id   TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'data_steward', 'policy_owner', 'board_member', 'administrator')),
    PRIMARY KEY (org_id, user_id, role)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    token_digest  TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
--sqlite:    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
--postgres:    seq          BIGSERIAL PRIMARY KEY,
    at           TEXT NOT NULL,
    org_id       TEXT,
    actor_id     TEXT,
    actor_label  TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT,
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);

--sqlite:CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
--sqlite:BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
--sqlite:CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
--sqlite:BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
--postgres:CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
--postgres:BEGIN RAISE EXCEPTION 'audit log is append-only'; END;
--postgres:$$ LANGUAGE plpgsql;
--postgres:CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
--postgres:FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
