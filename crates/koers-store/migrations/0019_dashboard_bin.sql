-- A deleted dashboard is kept for 30 days (its versions too), so the deletion can be undone;
-- the scheduler removes it for good afterwards.
ALTER TABLE dashboards ADD COLUMN deleted_at TEXT;
