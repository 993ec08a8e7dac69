-- Access between organisations (issue 17).
--
-- 1. Every organisation keeps the prefix under which others query its public datasets
--    (`<prefix>_<name>`): the CBS code in lower case, else `o` and eight hex digits drawn
--    when it is made. Unique, so two organisations never share a table name. Existing ones:
--    the CBS code; else the old name (`o` and the first eight hex digits of the id) when no
--    other organisation had it too; else `o` and the whole id, which is unique.
ALTER TABLE organisations ADD COLUMN table_prefix TEXT NOT NULL DEFAULT '';
UPDATE organisations SET table_prefix = lower(cbs_code) WHERE cbs_code IS NOT NULL;
UPDATE organisations SET table_prefix = 'o' || lower(substr(id, 1, 8))
 WHERE cbs_code IS NULL
   AND (SELECT COUNT(*) FROM organisations o
         WHERE o.cbs_code IS NULL AND substr(o.id, 1, 8) = substr(organisations.id, 1, 8)) = 1;
UPDATE organisations SET table_prefix = 'o' || lower(replace(id, '-', '')) WHERE table_prefix = '';
CREATE UNIQUE INDEX organisations_table_prefix ON organisations (table_prefix);

-- 2. A version's source is shown to everyone who may read the dataset: no credentials in it.
--    New versions record the URL without user name, password and secret query parameters;
--    here, the sources recorded before lose their user information, query and fragment
--    (a service's label, `kind URL (item)`, keeps its ` (item)`).
UPDATE dataset_versions
--sqlite:   SET source = substr(source, 1, instr(source, '?') - 1)
--sqlite:             || substr(source, instr(source, '?') + instr(substr(source, instr(source, '?')), ' ') - 1)
--sqlite: WHERE instr(source, '://') > 0 AND instr(source, '?') > 0
--sqlite:   AND instr(substr(source, instr(source, '?')), ' ') > 0;
--postgres:   SET source = substr(source, 1, strpos(source, '?') - 1)
--postgres:             || substr(source, strpos(source, '?') + strpos(substr(source, strpos(source, '?')), ' ') - 1)
--postgres: WHERE strpos(source, '://') > 0 AND strpos(source, '?') > 0
--postgres:   AND strpos(substr(source, strpos(source, '?')), ' ') > 0;
UPDATE dataset_versions
--sqlite:   SET source = substr(source, 1, instr(source, '?') - 1)
--sqlite: WHERE instr(source, '://') > 0 AND instr(source, '?') > 0;
--postgres:   SET source = substr(source, 1, strpos(source, '?') - 1)
--postgres: WHERE strpos(source, '://') > 0 AND strpos(source, '?') > 0;
UPDATE dataset_versions
--sqlite:   SET source = substr(source, 1, instr(source, '#') - 1)
--sqlite:             || substr(source, instr(source, '#') + instr(substr(source, instr(source, '#')), ' ') - 1)
--sqlite: WHERE instr(source, '://') > 0 AND instr(source, '#') > 0
--sqlite:   AND instr(substr(source, instr(source, '#')), ' ') > 0;
--postgres:   SET source = substr(source, 1, strpos(source, '#') - 1)
--postgres:             || substr(source, strpos(source, '#') + strpos(substr(source, strpos(source, '#')), ' ') - 1)
--postgres: WHERE strpos(source, '://') > 0 AND strpos(source, '#') > 0
--postgres:   AND strpos(substr(source, strpos(source, '#')), ' ') > 0;
UPDATE dataset_versions
--sqlite:   SET source = substr(source, 1, instr(source, '#') - 1)
--sqlite: WHERE instr(source, '://') > 0 AND instr(source, '#') > 0;
--postgres:   SET source = substr(source, 1, strpos(source, '#') - 1)
--postgres: WHERE strpos(source, '://') > 0 AND strpos(source, '#') > 0;
-- User information: `scheme://user:password@host/…` → `scheme://host/…` (the last `@`
-- before the path ends it; twice, for a password with an `@` in it).
UPDATE dataset_versions
--sqlite:   SET source = substr(source, 1, instr(source, '://') + 2)
--sqlite:             || substr(substr(source, instr(source, '://') + 3),
--sqlite:                       instr(substr(source, instr(source, '://') + 3), '@') + 1)
--sqlite: WHERE instr(source, '://') > 0
--sqlite:   AND instr(substr(source, instr(source, '://') + 3), '@') > 0
--sqlite:   AND (instr(substr(source, instr(source, '://') + 3), '/') = 0
--sqlite:        OR instr(substr(source, instr(source, '://') + 3), '@')
--sqlite:           < instr(substr(source, instr(source, '://') + 3), '/'))
--sqlite:   AND (instr(substr(source, instr(source, '://') + 3), ' ') = 0
--sqlite:        OR instr(substr(source, instr(source, '://') + 3), '@')
--sqlite:           < instr(substr(source, instr(source, '://') + 3), ' '));
--postgres:   SET source = substr(source, 1, strpos(source, '://') + 2)
--postgres:             || substr(substr(source, strpos(source, '://') + 3),
--postgres:                       strpos(substr(source, strpos(source, '://') + 3), '@') + 1)
--postgres: WHERE strpos(source, '://') > 0
--postgres:   AND strpos(substr(source, strpos(source, '://') + 3), '@') > 0
--postgres:   AND (strpos(substr(source, strpos(source, '://') + 3), '/') = 0
--postgres:        OR strpos(substr(source, strpos(source, '://') + 3), '@')
--postgres:           < strpos(substr(source, strpos(source, '://') + 3), '/'))
--postgres:   AND (strpos(substr(source, strpos(source, '://') + 3), ' ') = 0
--postgres:        OR strpos(substr(source, strpos(source, '://') + 3), '@')
--postgres:           < strpos(substr(source, strpos(source, '://') + 3), ' '));
UPDATE dataset_versions
--sqlite:   SET source = substr(source, 1, instr(source, '://') + 2)
--sqlite:             || substr(substr(source, instr(source, '://') + 3),
--sqlite:                       instr(substr(source, instr(source, '://') + 3), '@') + 1)
--sqlite: WHERE instr(source, '://') > 0
--sqlite:   AND instr(substr(source, instr(source, '://') + 3), '@') > 0
--sqlite:   AND (instr(substr(source, instr(source, '://') + 3), '/') = 0
--sqlite:        OR instr(substr(source, instr(source, '://') + 3), '@')
--sqlite:           < instr(substr(source, instr(source, '://') + 3), '/'))
--sqlite:   AND (instr(substr(source, instr(source, '://') + 3), ' ') = 0
--sqlite:        OR instr(substr(source, instr(source, '://') + 3), '@')
--sqlite:           < instr(substr(source, instr(source, '://') + 3), ' '));
--postgres:   SET source = substr(source, 1, strpos(source, '://') + 2)
--postgres:             || substr(substr(source, strpos(source, '://') + 3),
--postgres:                       strpos(substr(source, strpos(source, '://') + 3), '@') + 1)
--postgres: WHERE strpos(source, '://') > 0
--postgres:   AND strpos(substr(source, strpos(source, '://') + 3), '@') > 0
--postgres:   AND (strpos(substr(source, strpos(source, '://') + 3), '/') = 0
--postgres:        OR strpos(substr(source, strpos(source, '://') + 3), '@')
--postgres:           < strpos(substr(source, strpos(source, '://') + 3), '/'))
--postgres:   AND (strpos(substr(source, strpos(source, '://') + 3), ' ') = 0
--postgres:        OR strpos(substr(source, strpos(source, '://') + 3), '@')
--postgres:           < strpos(substr(source, strpos(source, '://') + 3), ' '));

-- 3. Linking a provider identity to an existing local account waits for proof that the
--    account is the person's own (its password): the link in waiting, under the SHA-256 of
--    a token kept in an HttpOnly cookie, for ten minutes.
CREATE TABLE oidc_pending_links (
    token_digest  TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    roles         TEXT NOT NULL,
    next_path     TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX oidc_pending_links_expiry ON oidc_pending_links (expires_at);
