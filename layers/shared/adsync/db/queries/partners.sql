-- name: upsert_partner
-- Add a partner app, or change where its key lives, its host or its budget.
INSERT INTO apishopee_partners
    (id, name, secret_ref, base_url, requests_per_second, created_at, updated_at)
VALUES (:id, :name, :secret_ref, :base_url, :requests_per_second, :now, :now)
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name,
    secret_ref = EXCLUDED.secret_ref,
    base_url = EXCLUDED.base_url,
    requests_per_second = EXCLUDED.requests_per_second,
    updated_at = :now
RETURNING id, name, secret_ref, base_url, requests_per_second;

-- name: get_partner
SELECT id, name, secret_ref, base_url, requests_per_second
FROM apishopee_partners WHERE id = :id;

-- name: list_partners
SELECT p.id, p.name, p.secret_ref, p.base_url, p.requests_per_second,
       (SELECT count(*) FROM apishopee_shops s WHERE s.partner_id = p.id) AS shop_count
FROM apishopee_partners p ORDER BY p.id;

-- name: partner_of_shop
-- The shop's partner_id (NULL: it predates partners) and whether the shop exists.
SELECT shop_id, partner_id FROM apishopee_shops WHERE shop_id = :shop_id;

-- name: assign_partner
-- The partner must exist (checked first, so the error names it; the foreign key is
-- the last word).
UPDATE apishopee_shops SET partner_id = :partner_id, updated_at = :now
WHERE shop_id = :shop_id
RETURNING shop_id;

-- name: assign_default_partner
-- Shops from before partners existed belong to the deployment's default partner.
UPDATE apishopee_shops SET partner_id = :partner_id, updated_at = :now
WHERE partner_id IS NULL
RETURNING shop_id;

-- name: insert_partner_if_absent
-- The deployment's default partner: written once, never over an operator's edits.
INSERT INTO apishopee_partners
    (id, name, secret_ref, base_url, requests_per_second, created_at, updated_at)
VALUES (:id, :name, :secret_ref, :base_url, :requests_per_second, :now, :now)
ON CONFLICT DO NOTHING;
