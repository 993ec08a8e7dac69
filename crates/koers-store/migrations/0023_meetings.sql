-- Meetings of a body that decides (Gedeputeerde Staten, the management team) and their
-- agendas of choices, in order (issue 22).
CREATE TABLE meetings (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX meetings_org ON meetings (org_id, held_on);
CREATE TABLE meeting_items (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    choice_id  TEXT NOT NULL REFERENCES choices (id) ON DELETE CASCADE,
--sqlite:    position   INTEGER NOT NULL,
--postgres:    position   BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, choice_id)
);
