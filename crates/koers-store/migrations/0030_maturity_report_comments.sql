-- What a participating organisation's contact says about their own report while the round is
-- open, before it is final (issue 23).
CREATE TABLE maturity_report_comments (
    id             TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES maturity_participants (id) ON DELETE CASCADE,
    author_label   TEXT NOT NULL,
    body           TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX maturity_report_comments_participant ON maturity_report_comments (participant_id, at);
