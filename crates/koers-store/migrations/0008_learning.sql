-- The learning track (M7): programmes with modules along a leadership model and live
-- sessions, cohorts split into groups of limited size, attendance, progress, and
-- make-track projects linked to a data question (M4) and an information product (M3).

CREATE TABLE learning_programmes (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    dimensions        TEXT NOT NULL DEFAULT '[]',
--sqlite:    min_attendance    INTEGER NOT NULL CHECK (min_attendance BETWEEN 0 AND 100),
--sqlite:    requires_project  INTEGER NOT NULL DEFAULT 1,
--postgres:    min_attendance    BIGINT NOT NULL CHECK (min_attendance BETWEEN 0 AND 100),
--postgres:    requires_project  BIGINT NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL
);
CREATE INDEX learning_programmes_org ON learning_programmes (org_id);

CREATE TABLE learning_modules (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES learning_programmes (id) ON DELETE CASCADE,
--sqlite:    position      INTEGER NOT NULL,
--postgres:    position      BIGINT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    dimension     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX learning_modules_p ON learning_modules (programme_id, position);

CREATE TABLE learning_sessions (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES learning_programmes (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    date          TEXT NOT NULL,
    start_time    TEXT NOT NULL,
    end_time      TEXT NOT NULL,
    link          TEXT NOT NULL DEFAULT '',
--sqlite:    after_module  INTEGER NOT NULL
--postgres:    after_module  BIGINT NOT NULL
);
CREATE INDEX learning_sessions_p ON learning_sessions (programme_id, date);

CREATE TABLE learning_cohorts (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    programme_id  TEXT NOT NULL REFERENCES learning_programmes (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    start_date    TEXT,
--sqlite:    capacity      INTEGER NOT NULL CHECK (capacity > 0),
--postgres:    capacity      BIGINT NOT NULL CHECK (capacity > 0),
    created_at    TEXT NOT NULL
);
CREATE INDEX learning_cohorts_org ON learning_cohorts (org_id, programme_id);

-- `filled` counts the group's members; a place is taken with a conditional update
-- (filled < capacity), so capacity holds however many enrol at once.
CREATE TABLE learning_groups (
    id         TEXT PRIMARY KEY,
    cohort_id  TEXT NOT NULL REFERENCES learning_cohorts (id) ON DELETE CASCADE,
--sqlite:    position   INTEGER NOT NULL,
--postgres:    position   BIGINT NOT NULL,
    name       TEXT NOT NULL,
--sqlite:    capacity   INTEGER NOT NULL CHECK (capacity > 0),
--sqlite:    filled     INTEGER NOT NULL DEFAULT 0,
--postgres:    capacity   BIGINT NOT NULL CHECK (capacity > 0),
--postgres:    filled     BIGINT NOT NULL DEFAULT 0,
    CHECK (filled >= 0 AND filled <= capacity)
);
CREATE INDEX learning_groups_c ON learning_groups (cohort_id, position);

CREATE TABLE learning_participants (
    id             TEXT PRIMARY KEY,
    cohort_id      TEXT NOT NULL REFERENCES learning_cohorts (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    department     TEXT NOT NULL,
    role           TEXT NOT NULL,
    group_id       TEXT REFERENCES learning_groups (id) ON DELETE SET NULL,
    waiting_for    TEXT REFERENCES learning_groups (id) ON DELETE SET NULL,
    waiting_since  TEXT,
--sqlite:    generated      INTEGER NOT NULL DEFAULT 0,
--postgres:    generated      BIGINT NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    UNIQUE (cohort_id, email)
);
CREATE INDEX learning_participants_g ON learning_participants (group_id);
CREATE INDEX learning_participants_e ON learning_participants (email);

CREATE TABLE learning_attendance (
    session_id      TEXT NOT NULL REFERENCES learning_sessions (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES learning_participants (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
    PRIMARY KEY (session_id, participant_id)
);

CREATE TABLE learning_progress (
    module_id       TEXT NOT NULL REFERENCES learning_modules (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES learning_participants (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('not_started', 'started', 'done')),
    PRIMARY KEY (module_id, participant_id)
);

CREATE TABLE learning_projects (
    id            TEXT PRIMARY KEY,
    cohort_id     TEXT NOT NULL REFERENCES learning_cohorts (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    question_id   TEXT REFERENCES data_questions (id) ON DELETE SET NULL,
    product_kind  TEXT CHECK (product_kind IN ('indicator', 'monitor')),
    product_id    TEXT,
    status        TEXT NOT NULL CHECK (status IN ('proposed', 'running', 'delivered', 'stopped')),
    outcome       TEXT NOT NULL DEFAULT '',
    students      TEXT NOT NULL DEFAULT '[]',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX learning_projects_c ON learning_projects (cohort_id);

CREATE TABLE learning_project_members (
    project_id      TEXT NOT NULL REFERENCES learning_projects (id) ON DELETE CASCADE,
    participant_id  TEXT NOT NULL REFERENCES learning_participants (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, participant_id)
);
