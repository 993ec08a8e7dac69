-- An analysis put together in the query builder keeps its choices (JSON), so it opens in the
-- builder again; every analysis keeps the names of its result's columns, so forms offer them
-- to choose from instead of asking to type them.
ALTER TABLE analyses ADD COLUMN builder TEXT;
ALTER TABLE analyses ADD COLUMN result_columns TEXT NOT NULL DEFAULT '[]';
