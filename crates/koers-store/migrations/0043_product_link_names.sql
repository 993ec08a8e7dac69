-- A question's information product given by the address of its page in koers was labelled
-- with that address ("/analyses/0190…"); it is now named by the product, as new links are.
-- Only the organisation's own products are named; one removed since keeps its address.
UPDATE question_links SET label = COALESCE((
    SELECT a.title FROM analyses a JOIN data_questions q ON q.org_id = a.org_id
    WHERE q.id = question_links.question_id AND question_links.target = '/analyses/' || a.id
), label)
WHERE kind = 'product' AND label = target AND target LIKE '/analyses/%';
UPDATE question_links SET label = COALESCE((
    SELECT d.name FROM dashboards d JOIN data_questions q ON q.org_id = d.org_id
    WHERE q.id = question_links.question_id AND question_links.target = '/dashboards/' || d.id
), label)
WHERE kind = 'product' AND label = target AND target LIKE '/dashboards/%';
UPDATE question_links SET label = COALESCE((
    SELECT m.name FROM monitors m JOIN data_questions q ON q.org_id = m.org_id
    WHERE q.id = question_links.question_id
      AND question_links.target = '/informatieproducten/monitoren/' || m.id
), label)
WHERE kind = 'product' AND label = target AND target LIKE '/informatieproducten/monitoren/%';
UPDATE question_links SET label = COALESCE((
    SELECT i.name FROM indicators i JOIN data_questions q ON q.org_id = i.org_id
    WHERE q.id = question_links.question_id
      AND question_links.target = '/informatieproducten/indicatoren/' || i.id
), label)
WHERE kind = 'product' AND label = target AND target LIKE '/informatieproducten/indicatoren/%';
