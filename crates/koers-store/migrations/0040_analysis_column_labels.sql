-- What an analysis' result columns mean to a reader (title, unit, code list), as datasets'
-- columns have had since 0021: an analysis that computes `tonnes_out` names it
-- "Vertrekkend gewicht (ton)" on the dashboards and monitors built on it.
ALTER TABLE analyses ADD COLUMN column_labels TEXT NOT NULL DEFAULT '{}';
