-- What a dataset's columns mean to a reader (JSON: column name → title, unit and code list),
-- so that filters, legends, axes and tables show names instead of codes.
ALTER TABLE datasets ADD COLUMN column_labels TEXT NOT NULL DEFAULT '{}';
