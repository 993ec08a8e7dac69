-- Data questions and the policy cycle (M4).

CREATE TABLE policy_tasks (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    theme        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    goals        TEXT NOT NULL DEFAULT '',
    owner_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX policy_tasks_org ON policy_tasks (org_id);

CREATE TABLE data_questions (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    task_id             TEXT NOT NULL REFERENCES policy_tasks (id) ON DELETE CASCADE,
    question            TEXT NOT NULL,
    policy_goal         TEXT NOT NULL DEFAULT '',
    asked_by            TEXT NOT NULL DEFAULT '',
    question_owner      TEXT REFERENCES users (id) ON DELETE SET NULL,
    analyst             TEXT REFERENCES users (id) ON DELETE SET NULL,
    data_steward        TEXT REFERENCES users (id) ON DELETE SET NULL,
    decision_maker      TEXT REFERENCES users (id) ON DELETE SET NULL,
    due_date            TEXT,
    priority            TEXT NOT NULL,
    competences         TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL,
    parked_from         TEXT,
    decision_date       TEXT,
    decision_by         TEXT,
    decision_reference  TEXT,
    evaluation_changed  TEXT,
    evaluation_learned  TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX data_questions_org ON data_questions (org_id, status);

CREATE TABLE question_events (
    id           TEXT PRIMARY KEY,
    question_id  TEXT NOT NULL REFERENCES data_questions (id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    actor_label  TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX question_events_q ON question_events (question_id, at);

CREATE TABLE question_links (
    question_id  TEXT NOT NULL REFERENCES data_questions (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('dataset', 'analysis', 'product')),
    target       TEXT NOT NULL,
    label        TEXT NOT NULL,
    PRIMARY KEY (question_id, kind, target)
);

CREATE TABLE question_comments (
    id           TEXT PRIMARY KEY,
    question_id  TEXT NOT NULL REFERENCES data_questions (id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    author_label TEXT NOT NULL,
    body         TEXT NOT NULL
);
