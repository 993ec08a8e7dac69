-- An administrator reads the history of one object in the audit log (a choice, a dataset):
-- its events are found by organisation and object id, newest first.
CREATE INDEX audit_log_object ON audit_log (org_id, object_id, seq);
