-- Every saved change to a monitor is a version (M3): the current one in `monitors.version`,
-- each version's name, description and indicators (in order, as a JSON array) kept.

--sqlite:ALTER TABLE monitors ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
--postgres:ALTER TABLE monitors ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE monitor_versions (
    monitor_id     TEXT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
--sqlite:    version        INTEGER NOT NULL,
--postgres:    version        BIGINT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL,
    indicator_ids  TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    saved_by       TEXT NOT NULL,
    saved_at       TEXT NOT NULL,
    PRIMARY KEY (monitor_id, version)
);

INSERT INTO monitor_versions (monitor_id, version, name, description, indicator_ids, saved_by, saved_at)
SELECT m.id, 1, m.name, m.description,
--sqlite:       COALESCE((SELECT json_group_array(indicator_id) FROM
--sqlite:                   (SELECT indicator_id FROM monitor_indicators WHERE monitor_id = m.id ORDER BY position)), '[]'),
--postgres:       COALESCE((SELECT json_agg(indicator_id ORDER BY position)::text FROM monitor_indicators WHERE monitor_id = m.id), '[]'),
       'koers', m.updated_at
FROM monitors m;
