-- The learning track's leadership model gets levels, and participants assess themselves on
-- it at the start and the end (issue 23); a programme names its target groups, a
-- participant belongs to one and a live session may be for one only; a session remembers
-- when its reminder went out, so it is mailed once.
ALTER TABLE learning_programmes ADD COLUMN levels TEXT NOT NULL DEFAULT '["Bewust","Verkennend","Toepassend","Leidend"]';
ALTER TABLE learning_programmes ADD COLUMN target_groups TEXT NOT NULL DEFAULT '[]';
ALTER TABLE learning_participants ADD COLUMN target_group TEXT NOT NULL DEFAULT '';
ALTER TABLE learning_sessions ADD COLUMN target_group TEXT NOT NULL DEFAULT '';
ALTER TABLE learning_sessions ADD COLUMN reminded_at TEXT;

CREATE TABLE learning_self_assessments (
    participant_id  TEXT NOT NULL REFERENCES learning_participants (id) ON DELETE CASCADE,
    moment          TEXT NOT NULL CHECK (moment IN ('start', 'end')),
    dimension       TEXT NOT NULL,
--sqlite:    level           INTEGER NOT NULL CHECK (level >= 1),
--postgres:    level           BIGINT NOT NULL CHECK (level >= 1),
    assessed_at     TEXT NOT NULL,
    PRIMARY KEY (participant_id, moment, dimension)
);
