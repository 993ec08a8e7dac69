-- Signing in through OpenID Connect providers: which provider identity (issuer's `sub`) is
-- which user, and the sign-ins in flight (state, nonce and PKCE verifier stay server-side
-- until the provider sends the browser back; the state is stored as its SHA-256 only).

CREATE TABLE oidc_identities (
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oidc_identities_user ON oidc_identities (user_id);

CREATE TABLE oidc_flows (
    state_digest   TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    next_path      TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);
