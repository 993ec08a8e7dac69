-- Guests: people from outside the organisation invited by e-mail to one object (a data
-- question, a make-track project or a participant's maturity report), with what they may do
-- there, until the invitation expires or is revoked (issue 23). The link's token is kept only
-- as its SHA-256; the guest's account is linked once they accept.
CREATE TABLE guest_grants (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    object_type  TEXT NOT NULL CHECK (object_type IN ('question', 'learning_project', 'maturity_report')),
    object_id    TEXT NOT NULL,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    affiliation  TEXT NOT NULL,
    abilities    TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    invited_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    accepted_at  TEXT,
    revoked_at   TEXT
);
CREATE INDEX guest_grants_object ON guest_grants (org_id, object_type, object_id);
CREATE INDEX guest_grants_user ON guest_grants (user_id);
