-- A respondent may say which group they belong to (bestuurder, manager, medewerker); empty
-- when they prefer not to (issue 23). Results per group pass the round's threshold.
ALTER TABLE maturity_responses ADD COLUMN respondent_group TEXT NOT NULL DEFAULT '';
