-- A question's information product given by the address of its page in koers was labelled
-- with that address ("/analyses/0190…"); it is now named by the product, as new links are.
-- Only the organisation's own products are named; one removed since keeps its address.
UPDATE question_links SET label = COALESCE((
    SELECT p.name FROM (
        SELECT org_id, '/analyses/' || id AS page, title AS name FROM analyses
        UNION ALL SELECT org_id, '/dashboards/' || id, name FROM dashboards
        UNION ALL SELECT org_id, '/informatieproducten/monitoren/' || id, name FROM monitors
        UNION ALL SELECT org_id, '/informatieproducten/indicatoren/' || id, name FROM indicators
        UNION ALL SELECT org_id, '/informatieproducten/momentopnamen/' || id,
            CASE WHEN TRIM(note) = '' THEN title ELSE title || ' (' || TRIM(note) || ')' END
            FROM evidence_snapshots
    ) p JOIN data_questions q ON q.org_id = p.org_id
    WHERE q.id = question_links.question_id AND p.page = question_links.target
), label)
WHERE kind = 'product' AND label = target;
