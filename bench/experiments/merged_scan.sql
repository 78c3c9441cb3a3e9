-- The recompute's direction "one scan per source model and period, a FILTER
-- per rule" (issue #13), measured by hand before building it: the four
-- families of count/sum key results of the benchmark (won revenue, deals
-- won, B2B won revenue, won revenue of the month) totalled from ONE scan of
-- crm_lead, each record unnested into the families it counts for, against
-- the engine's four family queries (one scan each). Same expressions as the
-- engine's queries (the company currency case of the conversion).
--
--   psql -d <bench>_okr -v year=2026 -f bench/experiments/merged_scan.sql
--
-- prints the time of 4 runs (\timing); the result rows are discarded.
\set start '''' :year '-01-01'''
\set next_start '''' :year '-12-31''' '::date + 1'
\set previous_start '(' :start '::date - interval ''1 year'')::date'
\timing on
SELECT f.family, scope_user, scope_team, scope_company, f.bucket, count(*),
       COALESCE(sum(f.value), 0)::text
FROM (
 SELECT l.user_id AS scope_user, l.team_id AS scope_team, l.company_id AS scope_company,
   (CASE WHEN (l.date_closed)::date >= :start::date THEN :start::date
         ELSE :previous_start END) AS b_year,
   (CASE WHEN (l.date_closed)::date >= :start::date
         THEN GREATEST(date_trunc('month', (l.date_closed)::date)::date, :start::date)
         ELSE date_trunc('month', (l.date_closed)::date)::date END) AS b_month,
   (CASE WHEN COALESCE(c.currency_id, (SELECT currency_id FROM res_company WHERE id = 1)) = 1
         THEN (COALESCE(l.expected_revenue, 0))::numeric
         ELSE ROUND(((COALESCE(l.expected_revenue, 0)) * COALESCE((
              SELECT r.rate FROM res_currency_rate r WHERE r.currency_id = 1
                 AND r.name <= (l.date_closed)::date
                 AND (r.company_id IS NULL OR r.company_id = 1)
               ORDER BY r.company_id, r.name DESC LIMIT 1), 1.0) / 0.01)::numeric)
              * 0.01::numeric END) AS amount,
   cp.is_company IS TRUE AS b2b
 FROM crm_lead l
 LEFT JOIN res_partner p ON p.id = l.partner_id
 LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
 LEFT JOIN res_company c ON c.id = l.company_id
 WHERE l.active IS TRUE AND l.date_closed >= :start::timestamp
   AND l.date_closed < (:next_start)::timestamp AND l.won_status IN ('won')
) AS r
CROSS JOIN LATERAL (VALUES (1, r.b_year, r.amount, TRUE),
                           (2, r.b_year, 1::numeric, TRUE),
                           (3, r.b_year, r.amount, r.b2b),
                           (4, r.b_month, r.amount, TRUE)) AS f(family, bucket, value, ok)
WHERE f.ok AND f.bucket >= :start::date
GROUP BY GROUPING SETS ((f.family, scope_user, f.bucket),
                        (f.family, scope_team, f.bucket),
                        (f.family, scope_company, f.bucket))
\g /dev/null
\g /dev/null
\g /dev/null
\g /dev/null
