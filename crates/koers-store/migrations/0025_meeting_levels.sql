-- The level whose choices a meeting's body decides (management or board); its agenda is
-- built from them (issue 22).
ALTER TABLE meetings ADD COLUMN level TEXT NOT NULL DEFAULT 'board';
