-- Failed sign-ins, per key (`email:…` or `ip:…`), for the sign-in rate limit. Kept in the
-- database so that several koers processes on one database count together.

CREATE TABLE login_failures (
    key        TEXT NOT NULL,
    failed_at  TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);
