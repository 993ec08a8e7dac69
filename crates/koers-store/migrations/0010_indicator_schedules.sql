-- Scheduled refresh of indicators (M3). `next_due` is claimed with a conditional update, so
-- that of several koers processes on one database only one runs each refresh.

CREATE TABLE indicator_schedules (
    indicator_id  TEXT PRIMARY KEY REFERENCES indicators (id) ON DELETE CASCADE,
    every         TEXT NOT NULL CHECK (every IN ('hourly', 'daily', 'weekly')),
    next_due      TEXT NOT NULL
);
CREATE INDEX indicator_schedules_due ON indicator_schedules (next_due);
