-- Scheduled refresh of dashboards (M3), claimed like indicators' (see 0010): the cached
-- results for the default filter choice are computed again when `next_due` has passed.

CREATE TABLE dashboard_schedules (
    dashboard_id  TEXT PRIMARY KEY REFERENCES dashboards (id) ON DELETE CASCADE,
    every         TEXT NOT NULL CHECK (every IN ('hourly', 'daily', 'weekly')),
    next_due      TEXT NOT NULL
);
CREATE INDEX dashboard_schedules_due ON dashboard_schedules (next_due);
