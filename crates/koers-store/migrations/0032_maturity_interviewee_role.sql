-- Who was interviewed, by role (bestuurder, ambtenaar), beside the interview's notes (issue 23).
ALTER TABLE maturity_sources ADD COLUMN interviewee_role TEXT;
