-- Forms that make something shown only once (an invitation link, an initial password, an
-- API token) carry a random key; a key sent again in the same session (the browser's
-- "send again?" after a reload, a form back from the history) is refused instead of making a
-- second one. The keys go with their session.
CREATE TABLE sent_forms (
    session_digest TEXT NOT NULL REFERENCES sessions (token_digest) ON DELETE CASCADE,
    form_key       TEXT NOT NULL,
    sent_at        TEXT NOT NULL,
    PRIMARY KEY (session_digest, form_key)
);
