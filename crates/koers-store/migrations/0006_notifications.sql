-- In-app notifications (with an e-mail outbox state) and files attached to data questions.

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    link        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    read_at     TEXT,
    -- 'pending' until the mail outbox has sent it ('sent') or given up ('failed', 'skipped').
    mail_state  TEXT NOT NULL DEFAULT 'pending',
    mail_tries  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, org_id, read_at);
CREATE INDEX notifications_mail ON notifications (mail_state, created_at);

CREATE TABLE question_attachments (
    id            TEXT PRIMARY KEY,
    question_id   TEXT NOT NULL REFERENCES data_questions (id) ON DELETE CASCADE,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    stored_as     TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX question_attachments_q ON question_attachments (question_id, uploaded_at);
