"""The data set of a benchmark run: reproducible, generated in PostgreSQL.

- Salespeople (res.users) and sales teams (crm.team): with the ORM, each
  salesperson a member of one team, the first member leading it.
- Customers (res.partner) and leads/opportunities (crm.lead): one
  `INSERT ... SELECT generate_series` each, after `setseed(seed)`. Every stored
  field is filled as crm's computes fill it: won stage and probability 100 for
  won deals, archived with probability 0 for lost ones, `won_status`,
  `date_closed`, `day_close`, `date_open`, prorated revenue, address and
  language copied from the customer, ... Leads are spread evenly over the last
  3 calendar years up to now (ids grow with `create_date`); older ones are
  mostly closed, recent ones mostly open; customers appear over time, so some
  are new each year.
- Helpdesk (when OCA helpdesk_mgmt and helpdesk_mgmt_rating are on the
  addons path, and `--tickets` is not 0): a helpdesk team per sales team, the
  same members; tickets assigned to the salespeople (a few to nobody) and
  their customers' ratings, one `INSERT ... SELECT` each, spread over the
  same 3 years: old tickets mostly solved (2% still open), those of the last
  120 days mostly open (measure 1 closes open ones); a third of the solved
  ones rated, some rating requests still unanswered (measure 1 rates them).
  The bridge's own stored fields (solved on, resolution time) are set
  when okr_sales_helpdesk is installed, as at a customer's: these tickets
  have no stage tracking, so from helpdesk's closed date.
- Objectives and automatic key results for the current year (okr_sales
  database only): `key_results.py`.

`build()` makes both databases: <prefix>_crm with crm (and helpdesk) and the
data, cloned into <prefix>_okr where okr_sales (and okr_sales_helpdesk) is
installed and the key results created (the engine builds them at commit).
"""

import importlib.util
import random
import time
from datetime import date, datetime, timedelta, timezone

from odoo.fields import Command
from odoo.tools import SQL

from . import db
from .key_results import create_key_results, plan_key_results

# The helpdesk modules of the crm database, and the bridge of the okr one.
HELPDESK = "helpdesk_mgmt,helpdesk_mgmt_rating"
BRIDGE = "okr_sales_helpdesk"
# Sales orders: Odoo's sale_crm in the crm database, the bridge in the okr one.
SALE = "sale_crm"
SALE_BRIDGE = "okr_sales_sale"


# Salespeople and teams


def create_sales_force(env, n_users, n_teams, helpdesk=False):
    """Create the salespeople and teams (and with `helpdesk`, a helpdesk team
    per sales team, the same members: its users see their team's tickets).

    Returns [(user id, team id)], {team id: leader's user id} and {sales team
    id: helpdesk team id}.
    """
    groups = env.ref("base.group_user") | env.ref("sales_team.group_sale_salesman")
    if helpdesk:
        groups |= env.ref("helpdesk_mgmt.group_helpdesk_user_team")
    users = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Salesperson {i:03d}",
                    "login": f"bench_sales_{i:03d}",
                    "email": f"bench_sales_{i:03d}@example.com",
                    "group_ids": [Command.set(groups.ids)],
                    "company_id": env.company.id,
                    "company_ids": [Command.set(env.company.ids)],
                }
                for i in range(1, n_users + 1)
            ]
        )
    )
    owners, leaders, helpdesk_teams = [], {}, {}
    for t in range(n_teams):
        members = users[t::n_teams]
        team = env["crm.team"].create(
            {
                "name": f"Sales Team {t + 1:02d}",
                "user_id": members[:1].id,
                "member_ids": [Command.set(members.ids)],
                "company_id": env.company.id,
            }
        )
        owners += [(user.id, team.id) for user in members]
        leaders[team.id] = members[:1].id
        if helpdesk:
            helpdesk_teams[team.id] = (
                env["helpdesk.ticket.team"]
                .create(
                    {
                        "name": f"Support {t + 1:02d}",
                        "user_id": members[:1].id,
                        "user_ids": [Command.set(members.ids)],
                        "company_id": env.company.id,
                    }
                )
                .id
            )
    return sorted(owners), leaders, helpdesk_teams


# Customers and leads, in SQL

PARTNERS_SQL = """
CREATE TEMP TABLE bench_state AS
  SELECT row_number() OVER (ORDER BY s.id) AS k, s.id, s.name AS state_name
    FROM res_country_state s JOIN res_country c ON c.id = s.country_id
   WHERE c.code = 'VN';
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_partner_src AS
  SELECT g, random() < 0.4 AS is_company,
         1 + floor(random() * (SELECT count(*) FROM bench_state))::int AS state_k
    FROM generate_series(1, %(count)s) g;
INSERT INTO res_partner (name, complete_name, commercial_company_name, type,
    active, is_company, lang, country_id, state_id, city, partner_share,
    create_uid, write_uid, create_date, write_date)
  SELECT p.name, p.name, CASE WHEN p.is_company THEN p.name END, 'contact',
         TRUE, p.is_company, 'en_US', c.id, st.id, st.state_name, TRUE,
         1, 1, %(t0)s, %(t0)s
    FROM (SELECT g, is_company, state_k,
                 CASE WHEN is_company THEN 'Bench Company ' ELSE 'Bench Customer ' END
                 || lpad(g::text, 5, '0') AS name
            FROM bench_partner_src) p
    JOIN bench_state st ON st.k = p.state_k
    CROSS JOIN (SELECT id FROM res_country WHERE code = 'VN') c
   ORDER BY p.g;
UPDATE res_partner SET commercial_partner_id = id
 WHERE commercial_partner_id IS NULL AND name LIKE 'Bench %%';
DROP TABLE bench_state, bench_partner_src;
"""

LEADS_SQL = """
CREATE TEMP TABLE bench_owner AS
  SELECT row_number() OVER (ORDER BY u) AS k, u AS user_id, t AS team_id
    FROM unnest(%(users)s::int[], %(teams)s::int[]) AS x(u, t);
CREATE TEMP TABLE bench_customer AS
  SELECT row_number() OVER (ORDER BY id) AS k, id, name, is_company, state_id,
         country_id, city
    FROM res_partner WHERE name LIKE 'Bench %%' AND commercial_partner_id = id;
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_src AS
  SELECT g, (g - 1)::float / %(count)s AS pos,
         %(t0)s::timestamp + ((g - 1 + random()) / %(count)s) * (%(t1)s - %(t0)s)
           AS created,
         random() AS r_owner, random() AS r_partner, random() AS r_status,
         random() AS r_close, random() AS r_amount, random() AS r_stage,
         random() AS r_type
    FROM generate_series(1, %(count)s) g;
CREATE TEMP TABLE bench_lead AS
  SELECT s.*,
         CASE WHEN %(t1)s - s.created > interval '60 days' THEN
           CASE WHEN r_status < 0.30 THEN 'won' WHEN r_status < 0.85 THEN 'lost'
                ELSE 'pending' END
         ELSE
           CASE WHEN r_status < 0.10 THEN 'won' WHEN r_status < 0.20 THEN 'lost'
                ELSE 'pending' END
         END AS status,
         1 + floor(r_stage * array_length(%(stages)s::int[], 1))::int AS stage_k,
         1 + floor(r_owner * (SELECT count(*) FROM bench_owner))::int AS owner_k,
         -- customers appear over time: the newest ones only in recent leads
         1 + floor(r_partner * (0.3 + 0.7 * pos)
                   * (SELECT count(*) FROM bench_customer))::int AS customer_k
    FROM bench_src s;
INSERT INTO crm_lead (name, type, active, user_id, team_id, company_id, stage_id,
    partner_id, contact_name, partner_name, city, state_id, country_id, lang_id,
    expected_revenue, prorated_revenue, recurring_revenue,
    recurring_revenue_monthly, recurring_revenue_monthly_prorated,
    recurring_revenue_prorated, probability, automated_probability, won_status,
    lost_reason_id, priority, color, message_bounce, date_open, day_open,
    date_closed, day_close, date_last_stage_update, date_deadline,
    create_uid, write_uid, create_date, write_date)
  SELECT 'Opportunity ' || l.g,
         CASE WHEN l.status <> 'won' AND l.r_type < 0.15 THEN 'lead'
              ELSE 'opportunity' END,
         l.status <> 'lost', o.user_id, o.team_id, %(company)s,
         CASE WHEN l.status = 'won' THEN %(won_stage)s
              ELSE (%(stages)s::int[])[l.stage_k] END,
         c.id, CASE WHEN NOT c.is_company THEN c.name END,
         CASE WHEN c.is_company THEN c.name END, c.city, c.state_id, c.country_id,
         %(lang)s,
         l.amount, round((l.amount * l.probability / 100)::numeric, 2), 0, 0, 0, 0,
         l.probability, l.probability, l.status,
         CASE WHEN l.status = 'lost' THEN
           (%(lost_reasons)s::int[])[1 + floor(l.r_type
                                  * array_length(%(lost_reasons)s::int[], 1))::int]
         END,
         (ARRAY['0', '0', '1', '2', '3'])[1 + floor(l.r_type * 5)::int], 0, 0,
         l.created, 0, l.closed,
         floor(extract(epoch FROM l.closed - l.created) / 86400),
         COALESCE(l.closed, l.created),
         CASE WHEN l.status = 'pending' THEN (l.created + interval '30 days')::date END,
         o.user_id, o.user_id, l.created, COALESCE(l.closed, l.created)
    FROM (SELECT b.*,
                 round((500 + 50000 * r_amount * r_amount)::numeric, 2) AS amount,
                 CASE status WHEN 'won' THEN 100 WHEN 'lost' THEN 0
                      ELSE (%(stage_probabilities)s::float[])[stage_k] END
                   AS probability,
                 CASE WHEN status <> 'pending' THEN date_trunc('second',
                      created + r_close * LEAST(%(t1)s - created, interval '90 days'))
                 END AS closed
            FROM bench_lead b) l
    JOIN bench_owner o ON o.k = l.owner_k
    JOIN bench_customer c ON c.k = l.customer_k
   ORDER BY l.g;
DROP TABLE bench_owner, bench_customer, bench_src, bench_lead;
"""


# Helpdesk tickets and their ratings, in SQL, after the leads (same customers)

TICKETS_SQL = """
CREATE TEMP TABLE bench_agent AS
  SELECT row_number() OVER (ORDER BY u) AS k, u AS user_id, t AS team_id,
         p.partner_id
    FROM unnest(%(users)s::int[], %(teams)s::int[]) AS x(u, t)
    JOIN res_users p ON p.id = x.u;
CREATE TEMP TABLE bench_customer AS
  SELECT row_number() OVER (ORDER BY id) AS k, id, name
    FROM res_partner WHERE name LIKE 'Bench %%' AND commercial_partner_id = id;
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_src AS
  SELECT g, %(t0)s::timestamp + ((g - 1 + random()) / %(count)s) * (%(t1)s - %(t0)s)
           AS created,
         random() AS r_agent, random() AS r_partner, random() AS r_status,
         random() AS r_hours, random() AS r_stage, random() AS r_rating,
         random() AS r_value, random() AS r_delay
    FROM generate_series(1, %(count)s) g;
CREATE TEMP TABLE bench_ticket AS
  SELECT s.*,
         -- most open tickets are recent; a few old ones linger (a backlog)
         CASE WHEN %(t1)s - s.created > interval '120 days' THEN
           CASE WHEN r_status < 0.93 THEN 'done' WHEN r_status < 0.98 THEN 'cancelled'
                ELSE 'open' END
         ELSE
           CASE WHEN r_status < 0.35 THEN 'done' WHEN r_status < 0.40 THEN 'cancelled'
                ELSE 'open' END
         END AS status,
         -- solved in 15 minutes to 10 days, about half within 24 hours
         LEAST(date_trunc('second', s.created
                 + (0.25 + 240 * r_hours ^ 3) * interval '1 hour'), %(t1)s)
           AS closed,
         1 + floor(r_agent * (SELECT count(*) FROM bench_agent))::int AS agent_k,
         1 + floor(r_partner * (SELECT count(*) FROM bench_customer))::int
           AS customer_k
    FROM bench_src s;
INSERT INTO helpdesk_ticket (number, name, description, user_id, team_id,
    stage_id, partner_id, commercial_partner_id, partner_name, company_id,
    priority, kanban_state, color, sequence, unattended, active,
    last_stage_update, assigned_date, closed_date, positive_rate_percentage,
    rating_status, rating_last_value, create_uid, write_uid, create_date,
    write_date)
  SELECT 'BT' || lpad(t.g::text, 6, '0'), 'Ticket ' || t.g,
         '<p>Customer issue ' || t.g || '</p>',
         CASE WHEN t.r_delay >= 0.05 THEN a.user_id END, a.team_id, st.id, c.id,
         c.id, c.name, %(company)s,
         (ARRAY['0', '1', '1', '2', '3'])[1 + floor(t.r_stage * 5)::int], 'normal',
         0, 10, st.unattended, TRUE,
         CASE WHEN t.status = 'open' THEN t.created ELSE t.closed END,
         CASE WHEN t.r_delay >= 0.05 THEN t.created END,
         CASE WHEN t.status <> 'open' THEN t.closed END,
         -1, 'stage_change', 0, 1, 1, t.created,
         CASE WHEN t.status = 'open' THEN t.created ELSE t.closed END
    FROM bench_ticket t
    JOIN bench_agent a ON a.k = t.agent_k
    JOIN bench_customer c ON c.k = t.customer_k
    JOIN helpdesk_ticket_stage st ON st.id = CASE t.status
           WHEN 'done' THEN %(done)s WHEN 'cancelled' THEN %(cancelled)s
           ELSE (%(open_stages)s::int[])[1 + floor(t.r_stage
                                     * array_length(%(open_stages)s::int[], 1))::int]
         END
   ORDER BY t.g;
-- a third of the solved tickets rated (5, 4, 3 or 1 stars), a sixth of them
-- with a request still unanswered
INSERT INTO rating_rating (res_model_id, res_model, res_id, res_name,
    rated_partner_id, partner_id, rating, rating_text, consumed, rated_on,
    access_token, is_internal, create_uid, write_uid, create_date, write_date)
  SELECT %(model)s, 'helpdesk.ticket', h.id, h.number || ' - ' || h.name,
         a.partner_id, h.partner_id, v.rating,
         CASE WHEN v.rating >= 4 THEN 'top' WHEN v.rating >= 3 THEN 'ok'
              WHEN v.rating >= 1 THEN 'ko' ELSE 'none' END,
         v.rating > 0, v.rated_on, md5(t.g || '-' || t.r_value), FALSE, 1, 1,
         t.closed, COALESCE(v.rated_on, t.closed)
    FROM bench_ticket t
    JOIN helpdesk_ticket h ON h.number = 'BT' || lpad(t.g::text, 6, '0')
    JOIN bench_agent a ON a.k = t.agent_k
    CROSS JOIN LATERAL (
      SELECT CASE WHEN t.r_rating < 0.33 THEN
               CASE WHEN t.r_value < 0.55 THEN 5 WHEN t.r_value < 0.75 THEN 4
                    WHEN t.r_value < 0.88 THEN 3 ELSE 1 END
             ELSE 0 END AS rating,
             CASE WHEN t.r_rating < 0.33 THEN LEAST(date_trunc('second',
               t.closed + (1 + 72 * t.r_delay) * interval '1 hour'), %(t1)s)
             END AS rated_on) v
   WHERE t.status = 'done' AND t.r_rating < 0.50
   ORDER BY t.g;
UPDATE helpdesk_ticket h
   SET rating_last_value = r.rating,
       positive_rate_percentage = CASE WHEN r.rating >= 4 THEN 100 ELSE 0 END
  FROM rating_rating r
 WHERE r.res_model = 'helpdesk.ticket' AND r.res_id = h.id AND r.consumed;
DROP TABLE bench_agent, bench_customer, bench_src, bench_ticket;
"""


def helpdesk_available():
    """Whether OCA's helpdesk_mgmt and helpdesk_mgmt_rating are on the addons
    path (CI's environment may lack them: the benchmark then runs without)."""
    return all(
        importlib.util.find_spec(f"odoo.addons.{name}") for name in HELPDESK.split(",")
    )


def insert_tickets(env, owners, helpdesk_teams, n_tickets, seed, t0, t1):
    """Insert the tickets (and ratings) of the last 3 calendar years."""
    stage = env["helpdesk.ticket.stage"]
    done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    cancelled = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
    params = {
        "seed": (seed % 1000) / 1000.0,
        "count": n_tickets,
        "t0": t0,
        "t1": t1,
        "users": [user for user, _team in owners],
        "teams": [helpdesk_teams[team] for _user, team in owners],
        "company": env.company.id,
        "done": done.id,
        "cancelled": cancelled.id,
        "open_stages": stage.search([("closed", "=", False)], order="sequence").ids,
        "model": env["ir.model"]._get_id("helpdesk.ticket"),
    }
    env.cr.execute(TICKETS_SQL, params)
    env.invalidate_all()


def insert_quotations(env, owners, n_orders, seed):
    """`n_orders` quotations of the bench customers, each of a salesperson
    and his team, with two untaxed lines of five service products: the
    orders the measures confirm (with the ORM: a few thousand)."""
    rng = random.Random(seed)
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {i}",
                "type": "service",
                "list_price": 100.0 * (i + 1),
                "taxes_id": [Command.clear()],
            }
            for i in range(5)
        ]
    )
    env.cr.execute("SELECT id FROM res_partner WHERE name LIKE 'Bench %' ORDER BY id")
    partners = [row[0] for row in env.cr.fetchall()]
    vals_list = []
    for _i in range(n_orders):
        user, team = rng.choice(owners)
        vals_list.append(
            {
                "partner_id": rng.choice(partners),
                "user_id": user,
                "team_id": team,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": rng.choice([1, 2, 5]),
                            "price_unit": rng.choice([1e6, 2.5e6, 4e7]),
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for product in rng.sample(products, 2)
                ],
            }
        )
    for start in range(0, len(vals_list), 500):
        env["sale.order"].create(vals_list[start : start + 500])
    env.invalidate_all()


def _orm_defaults_in_sql(env, model_name):
    """The ORM's defaults of ``model_name``'s required columns that the
    database has none for (Invoicing's ``autopost_bills`` of a partner), as
    column defaults for the SQL inserts: the inserts name only the columns
    crm has."""
    model = env[model_name]
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
        " AND is_nullable = 'NO' AND column_default IS NULL",
        (model._table,),
    )
    columns = [row[0] for row in env.cr.fetchall()]
    defaults = model.default_get([c for c in columns if c in model._fields])
    for column, value in defaults.items():
        env.cr.execute(
            SQL(
                "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
                SQL.identifier(model._table),
                SQL.identifier(column),
                value,
            )
        )


def insert_customers_and_leads(env, owners, n_partners, n_leads, seed, now):
    """Insert the customers, then the leads of the last 3 calendar years."""
    cr = env.cr
    t0 = datetime(now.year - 2, 1, 1)
    t1 = now - timedelta(hours=1)
    setseed = (seed % 1000) / 1000.0  # setseed wants a value in [-1, 1]
    _orm_defaults_in_sql(env, "res.partner")
    cr.execute(PARTNERS_SQL, {"seed": setseed, "count": n_partners, "t0": t0})
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id")
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    params = {
        "seed": setseed,
        "count": n_leads,
        "t0": t0,
        "t1": t1,
        "users": [user for user, _team in owners],
        "teams": [team for _user, team in owners],
        "company": env.company.id,
        "stages": stages.ids,
        # pending deals: further down the pipeline, more likely
        "stage_probabilities": [
            10.0 + 50.0 * i / max(len(stages) - 1, 1) for i in range(len(stages))
        ],
        "won_stage": won_stage.id,
        "lang": env["res.lang"]._get_data(code="en_US").id,
        "lost_reasons": env["crm.lost.reason"].search([]).ids or [None],
    }
    cr.execute(LEADS_SQL, params)
    env.invalidate_all()
    return t0, t1


def build(args, names, logfile, log):
    """Both databases, filled; returns (plan, picked records, setup steps, t0)."""
    steps = []

    def step(name, function, *fargs):
        log(name)
        start = time.perf_counter()
        result = function(*fargs)
        steps.append(f"{name} {time.perf_counter() - start:.0f} s")
        return result

    tickets = args.tickets > 0
    orders = args.orders > 0

    def generate():
        with db.registry(names["crm"]).cursor() as cr:
            env = db.superuser_env(cr)
            owners, leaders, helpdesk_teams = create_sales_force(
                env, args.users, args.teams, helpdesk=tickets
            )
            t0, t1 = insert_customers_and_leads(
                env, owners, args.partners, args.leads, args.seed, now
            )
            if tickets:
                insert_tickets(
                    env, owners, helpdesk_teams, args.tickets, args.seed, t0, t1
                )
            if orders:
                insert_quotations(
                    env, owners, args.warmup + args.orders * args.repeat, args.seed
                )
        db.vacuum_analyze(names["crm"])
        return owners, leaders, t0

    def key_results():
        with db.registry(names["okr"]).cursor() as cr:
            env = db.superuser_env(cr)
            admin = env.ref("base.user_admin").id
            plan = plan_key_results(
                args.key_results, owners, leaders, admin, tickets, orders
            )
            create_key_results(env, plan, rollups=args.rollups)
        db.vacuum_analyze(names["okr"])
        return plan

    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    baseline = ["crm"] + [HELPDESK] * tickets + [SALE] * orders
    step(f"install {', '.join(baseline)}", db.install, names["crm"],
         ",".join(baseline), logfile)  # fmt: skip
    data = f"{args.leads:,} leads" + f", {args.tickets:,} tickets" * tickets
    data += f", {args.warmup + args.orders * args.repeat:,} quotations" * orders
    owners, leaders, t0 = step(f"generate {data}", generate)
    step("clone", db.clone, names["crm"], names["okr"])
    # the bridges' stored fields are computed for every ticket and line here
    bridges = ["okr_sales"] + [BRIDGE] * tickets + [SALE_BRIDGE] * orders
    step(f"install {', '.join(bridges)}", db.install, names["okr"],
         ",".join(bridges), logfile)  # fmt: skip
    plan = step(f"create and build {args.key_results} key results", key_results)
    step("clone for the background mode", clone_background, names["okr"], names["bg"])
    sizes = {
        "warmup": args.warmup,
        "wins": args.wins * args.repeat,
        "reassigns": args.reassigns * args.repeat,
        "concurrency": args.clients * args.client_wins * args.repeat,
        "closes": args.closes * args.repeat if tickets else 0,
        "ratings": args.ratings * args.repeat if tickets else 0,
        "orders": args.orders * args.repeat if orders else 0,
    }
    with db.registry(names["okr"]).cursor() as cr:
        picked = pick_records(cr, sizes, args.seed)
    return plan, picked, steps, t0


def clone_background(okr, name):
    """A copy of the okr_sales database whose key results are updated in the
    background (setting okr_sales.update_mode)."""
    db.clone(okr, name)
    with db.registry(name).cursor() as cr:
        env = db.superuser_env(cr)
        env["ir.config_parameter"].set_param("okr_sales.update_mode", "background")
        # Its server runs a cron worker (measure 3): the other scheduled
        # actions, all due since the install, wait until after the measures.
        fold = env.ref("okr_sales.ir_cron_okr_fold_pending")
        env["ir.cron"].search([("id", "!=", fold.id)]).write(
            {"nextcall": datetime.now() + timedelta(days=1)}
        )
    db.close(name)


# Records the measures work on, the same ids in all databases


def pick_records(cr, sizes, seed):
    """Disjoint, seeded samples of open deals (to win) and of this year's
    leads (to reassign), with the new salesperson of each reassignment."""
    rng = random.Random(seed)
    cr.execute(
        "SELECT id FROM crm_lead WHERE active AND won_status = 'pending'"
        " AND type = 'opportunity' ORDER BY id"
    )
    open_deals = [row[0] for row in cr.fetchall()]
    wanted = sizes["warmup"] + sizes["wins"] + sizes["concurrency"]
    if wanted > len(open_deals):
        raise RuntimeError(f"{wanted} open deals needed, {len(open_deals)} found")
    deals = rng.sample(open_deals, wanted)
    picked = {
        "warmup_wins": deals[: sizes["warmup"]],
        "wins": deals[sizes["warmup"] : sizes["warmup"] + sizes["wins"]],
        "concurrency": deals[sizes["warmup"] + sizes["wins"] :],
    }
    cr.execute(
        "SELECT l.id, l.user_id FROM crm_lead l WHERE l.create_date >= %s"
        " AND l.user_id IS NOT NULL AND NOT l.id = ANY(%s) ORDER BY l.id",
        (datetime(date.today().year, 1, 1), deals),
    )
    leads = cr.fetchall()
    cr.execute(
        "SELECT DISTINCT user_id FROM crm_lead WHERE user_id IS NOT NULL ORDER BY 1"
    )
    users = [row[0] for row in cr.fetchall()]
    n_reassigns = sizes["warmup"] + sizes["reassigns"]
    if n_reassigns > len(leads):
        raise RuntimeError(f"{n_reassigns} leads to reassign needed, {len(leads)}")
    reassigns = [
        (lead_id, rng.choice([u for u in users if u != user_id]))
        for lead_id, user_id in rng.sample(leads, n_reassigns)
    ]
    picked["warmup_reassigns"] = reassigns[: sizes["warmup"]]
    picked["reassigns"] = reassigns[sizes["warmup"] :]
    picked["users"] = users
    if sizes["closes"] or sizes["ratings"]:
        picked.update(pick_tickets(cr, sizes, rng))
    if sizes.get("orders"):
        cr.execute("SELECT id FROM sale_order WHERE state = 'draft' ORDER BY id")
        quotations = rng.sample(
            [row[0] for row in cr.fetchall()], sizes["warmup"] + sizes["orders"]
        )
        picked["warmup_orders"] = quotations[: sizes["warmup"]]
        picked["orders"] = quotations[sizes["warmup"] :]
    return picked


def pick_tickets(cr, sizes, rng):
    """Seeded samples of open tickets (to close) and of unanswered rating
    requests (to rate, with the stars each customer gives)."""
    cr.execute(
        "SELECT t.id FROM helpdesk_ticket t"
        " JOIN helpdesk_ticket_stage s ON s.id = t.stage_id"
        " WHERE t.active AND NOT s.closed ORDER BY t.id"
    )
    open_tickets = [row[0] for row in cr.fetchall()]
    cr.execute(
        "SELECT res_id, id FROM rating_rating WHERE res_model = 'helpdesk.ticket'"
        " AND NOT consumed ORDER BY id"
    )
    requests = cr.fetchall()
    picked = {}
    for name, population, count in (
        ("closes", open_tickets, sizes["closes"]),
        ("ratings", requests, sizes["ratings"]),
    ):
        wanted = sizes["warmup"] + count
        if wanted > len(population):
            raise RuntimeError(
                f"{name}: {wanted} tickets needed, {len(population)} found"
                " (--tickets larger, or --closes/--ratings smaller)"
            )
        sample = rng.sample(population, wanted)
        if name == "ratings":
            sample = [(*item, rng.choice((5, 5, 5, 4, 3, 1))) for item in sample]
        picked[f"warmup_{name}"] = sample[: sizes["warmup"]]
        picked[name] = sample[sizes["warmup"] :]
    return picked


def import_rows(env, count, users, seed):
    """`crm.lead.load()` columns and rows of `count` new leads, a tenth won."""
    rng = random.Random(seed)
    cr = env.cr
    cr.execute("SELECT id FROM res_partner WHERE name LIKE 'Bench %' ORDER BY id")
    partners = [row[0] for row in cr.fetchall()]
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence").ids
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1).id
    fields = [
        "name",
        "type",
        "partner_id/.id",
        "user_id/.id",
        "expected_revenue",
        "stage_id/.id",
        "probability",
    ]
    rows = []
    for i in range(count):
        won = i % 10 == 0
        rows.append(
            [
                f"Imported deal {seed}-{i}",
                "opportunity",
                str(rng.choice(partners)),
                str(rng.choice(users)),
                f"{rng.uniform(500, 50000):.2f}",
                str(won_stage if won else stages[0]),
                "100" if won else "10",
            ]
        )
    return fields, rows
