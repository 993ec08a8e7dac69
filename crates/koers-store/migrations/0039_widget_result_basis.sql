-- Incremental refresh (issue 24). A widget's cached result keeps what it was made of — its
-- query (a digest, values bound) and the dataset version of each table it read — when it
-- depends on those alone, so that a refresh does not compute it again while none changed.
ALTER TABLE dashboard_results ADD COLUMN basis TEXT;
