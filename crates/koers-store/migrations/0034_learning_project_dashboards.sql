-- A make-track project may deliver a dashboard as well as an indicator or monitor (issue 23).
ALTER TABLE learning_projects ADD COLUMN dashboard_id TEXT REFERENCES dashboards (id) ON DELETE SET NULL;
