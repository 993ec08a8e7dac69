-- Information products (M3): indicators on saved analyses, their cached results, monitors.

CREATE TABLE indicators (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    unit           TEXT NOT NULL,
    analysis_id    TEXT NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    period_column  TEXT NOT NULL,
    value_column   TEXT NOT NULL,
    region_column  TEXT,
    grain          TEXT NOT NULL CHECK (grain IN ('day', 'week', 'month', 'quarter', 'year')),
    direction      TEXT NOT NULL CHECK (direction IN ('up', 'down')),
--sqlite:    target         REAL,
--sqlite:    green          REAL NOT NULL,
--sqlite:    amber          REAL NOT NULL,
--postgres:    target         DOUBLE PRECISION,
--postgres:    green          DOUBLE PRECISION NOT NULL,
--postgres:    amber          DOUBLE PRECISION NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX indicators_org ON indicators (org_id);

-- Each refresh keeps its result; the newest is shown. Whether it is stale is decided when
-- it is read: older than the analysis' last change or the last import of its datasets.
CREATE TABLE indicator_results (
    id            TEXT PRIMARY KEY,
    indicator_id  TEXT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    computed_at   TEXT NOT NULL,
    computed_by   TEXT NOT NULL,
    series        TEXT NOT NULL,
--sqlite:    latest_value  REAL,
--postgres:    latest_value  DOUBLE PRECISION,
    status        TEXT CHECK (status IN ('green', 'amber', 'red'))
);
CREATE INDEX indicator_results_i ON indicator_results (indicator_id, computed_at);

CREATE TABLE monitors (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX monitors_org ON monitors (org_id);

CREATE TABLE monitor_indicators (
    monitor_id    TEXT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    indicator_id  TEXT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
--sqlite:    position      INTEGER NOT NULL,
--postgres:    position      BIGINT NOT NULL,
    PRIMARY KEY (monitor_id, indicator_id)
);
