-- What the researcher recommends an organisation on a dimension, beside the recommendation
-- koers derives from the next level's descriptor (issue 23).
CREATE TABLE maturity_recommendations (
    participant_id TEXT NOT NULL REFERENCES maturity_participants (id) ON DELETE CASCADE,
    dimension_key  TEXT NOT NULL,
    body           TEXT NOT NULL,
    written_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (participant_id, dimension_key)
);
