-- Maturity over the years (issue 23): a round follows an earlier round of the same study, and
-- its dimensions map to that round's ({"this key": "earlier key" or null}).
ALTER TABLE maturity_rounds ADD COLUMN previous_round_id TEXT REFERENCES maturity_rounds (id) ON DELETE SET NULL;
ALTER TABLE maturity_rounds ADD COLUMN dimension_map TEXT NOT NULL DEFAULT '{}';
