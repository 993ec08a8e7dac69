-- Sign-in attempts are counted before the password is checked: the check against the limit
-- and the count are one step, so parallel attempts cannot pass the limit together. Each row
-- names its attempt, so that a sign-in that succeeds takes back exactly its own rows. The
-- table is made anew: at most one window (15 minutes) of counting starts over at upgrade.

DROP TABLE login_failures;
CREATE TABLE login_failures (
    key        TEXT NOT NULL,
    attempt    TEXT NOT NULL,
    failed_at  TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);
CREATE INDEX login_failures_attempt ON login_failures (attempt);
CREATE INDEX login_failures_at ON login_failures (failed_at);

-- Personal API tokens: a user's credential for scripts and other systems, acting in one
-- organisation with the user's current roles there. Only the SHA-256 of the secret is kept.

CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('read', 'read_write')),
    secret_digest  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    last_used_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
