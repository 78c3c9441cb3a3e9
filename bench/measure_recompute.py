"""Measure 2: full recompute of the key results, against two references.

- okr_sales: `env["okr.key.result"]._okr_recompute(ids)` (as superuser), for all the
  key results, then for those gamification can express too (counts and sums);
  peak RSS of the whole recompute: VmHWM of this process, reset through
  /proc/self/clear_refs just before.
- Odoo's gamification (installed in the crm-only database for this measure):
  one `gamification.goal` per count/sum key result, same user, period and
  domain, computed by `goal.update_goal()` goal by goal (per-goal mode:
  definition domains filter on `user`), then by `update_goal()` on all goals
  with definitions in batch mode (`batch_distinctive_field` user_id, as
  Odoo's own CRM goals of gamification_sale_crm; team_id and company_id with
  `user.sale_team_id.id` and `user.company_id.id` for team and company goals).
- The floor: one hand-written SQL query, grouped by salesperson, team and
  company (GROUPING SETS), computing every count and sum of the current year.

Each is timed up to its flush, without the commit; median of the runs. The
values of all three are compared with the key results'. The drift the first
recompute corrects says whether the incremental updates of the measures
before (writes, concurrency) left every value exact.
"""

import statistics
import time
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.tools import date_utils

from .key_results import KINDS, year_bounds

TOLERANCE = 0.01  # sums of amounts with 2 decimals

SCOPES = {  # level: (lead field, per-goal clause, batch user expression)
    "individual": ("user_id", "('user_id', '=', user.id)", "user.id"),
    "team": (
        "team_id",
        "('team_id', '=', user.sale_team_id.id)",
        "user.sale_team_id.id",
    ),
    "company": (
        "company_id",
        "('company_id', '=', user.company_id.id)",
        "user.company_id.id",
    ),
}

FLOOR_SQL = """
SELECT GROUPING(l.user_id, l.team_id, l.company_id), l.user_id, l.team_id,
       l.company_id,
       COALESCE(sum(l.expected_revenue), 0),
       count(*),
       COALESCE(sum(l.expected_revenue) FILTER (WHERE cp.is_company), 0),
       COALESCE(sum(l.expected_revenue) FILTER (WHERE l.date_closed >= %(month)s), 0)
  FROM crm_lead l
  LEFT JOIN res_partner p ON p.id = l.partner_id
  LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
 WHERE l.active AND l.won_status = 'won'
   AND l.date_closed >= %(start)s AND l.date_closed < %(end)s
 GROUP BY GROUPING SETS ((l.user_id), (l.team_id), (l.company_id))
"""
FLOOR_COLUMNS = {
    "won_revenue": 4,
    "deals_won": 5,
    "b2b_won_revenue": 6,
    "won_revenue_month": 7,
}


def _status_kib(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _period(kind, today):
    start, end = year_bounds(today)
    if KINDS[kind].get("cadence") == "month":
        return date_utils.start_of(today, "month"), date_utils.end_of(today, "month")
    return start, end


def create_goals(env, plan):
    """Definitions and goals of both modes; returns {mode: goals in plan order}."""
    today = date.today()
    lead_model = env["ir.model"]._get("crm.lead")
    lead_field = env["ir.model.fields"]._get
    definitions = {}
    for kind, spec in KINDS.items():
        if "goal" not in spec:
            continue
        mode, domain = spec["goal"]
        for level, (field, clause, expression) in SCOPES.items():
            common = {
                "computation_mode": mode,
                "model_id": lead_model.id,
                "field_id": lead_field("crm.lead", "expected_revenue").id
                if mode == "sum"
                else False,
                "monetary": mode == "sum",
                "field_date_id": lead_field("crm.lead", "date_closed").id,
                "condition": "higher",
            }
            definitions["goal", kind, level] = {
                **common,
                "name": f"{kind} {level} (per goal)",
                "domain": f"[{clause}, {domain[1:]}",
            }
            definitions["batch", kind, level] = {
                **common,
                "name": f"{kind} {level} (batch)",
                "domain": domain,
                "batch_mode": True,
                "batch_distinctive_field": lead_field("crm.lead", field).id,
                "batch_user_expression": expression,
            }
    records = env["gamification.goal.definition"].create(list(definitions.values()))
    definition_ids = dict(zip(definitions, records.ids, strict=True))
    goals = {}
    for mode in ("goal", "batch"):
        vals_list = []
        for p in plan:
            if not p.countable:
                continue
            start, end = _period(p.kind, today)
            vals_list.append(
                {
                    "definition_id": definition_ids[mode, p.kind, p.level],
                    "user_id": p.user_id,
                    "start_date": start,
                    "end_date": end,
                    "target_goal": 1000.0,
                    "state": "inprogress",
                }
            )
        goals[mode] = env["gamification.goal"].create(vals_list).ids
    return goals


def _timed(registry, work, repeat):
    """Median seconds of `work(env)` (flushed, then committed untimed)."""
    times, result = [], None
    for _ in range(repeat):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            start = time.perf_counter()
            outcome = work(env)
            env.flush_all()
            times.append(time.perf_counter() - start)
            result = outcome if result is None else result
    return {"seconds": statistics.median(times), "runs": times}, result


def _engine_recompute(ids, memory):
    def work(env):

        _reset_peak_rss()
        memory.setdefault("rss_before_kib", _status_kib("VmRSS"))
        drift = env["okr.key.result"]._okr_recompute(ids)
        memory["peak_kib"] = max(memory.get("peak_kib", 0), _status_kib("VmHWM"))
        return drift

    return work


def run(okr_registry, crm_registry, plan, args, log):
    countable = [p for p in plan if p.countable]
    all_ids = [p.kr_id for p in plan]
    memory = {}
    log(f"okr_sales: recompute of {len(all_ids)} key results")
    engine_all, drift = _timed(
        okr_registry, _engine_recompute(all_ids, memory), args.repeat
    )
    log(f"okr_sales: recompute of {len(countable)} count/sum key results")
    engine_countable, _ = _timed(
        okr_registry,
        _engine_recompute([p.kr_id for p in countable], {}),
        args.repeat,
    )
    with okr_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        key_results = env["okr.key.result"].browse(all_ids)
        values = dict(zip(all_ids, key_results.mapped("current_value"), strict=True))

    log("gamification: goals")
    with crm_registry.cursor() as cr:
        goals = create_goals(api.Environment(cr, SUPERUSER_ID, {}), plan)

    def per_goal(env):
        for goal in env["gamification.goal"].browse(goals["goal"]):
            goal.update_goal()

    def batch(env):
        env["gamification.goal"].browse(goals["batch"]).update_goal()

    log("gamification: per-goal mode")
    gamification_goal, _ = _timed(crm_registry, per_goal, args.repeat)
    log("gamification: batch mode")
    gamification_batch, _ = _timed(crm_registry, batch, args.repeat)
    goal_values = {}
    with crm_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for mode, ids in goals.items():
            goal_values[mode] = env["gamification.goal"].browse(ids).mapped("current")

    today = date.today()
    start, end = year_bounds(today)
    params = {
        "start": start,
        "end": date(end.year + 1, 1, 1),
        "month": date_utils.start_of(today, "month"),
    }

    def floor(env):
        env.cr.execute(FLOOR_SQL, params)
        return env.cr.fetchall()

    log("SQL floor")
    sql_floor, rows = _timed(okr_registry, floor, args.repeat)
    by_scope = {}
    for row in rows:
        level = {3: "individual", 5: "team", 6: "company"}[row[0]]
        key = row[{"individual": 1, "team": 2, "company": 3}[level]]
        by_scope[level, key] = row

    def floor_value(p):
        if p.level == "company":  # one company: the only company row
            row = next((r for (lvl, _), r in by_scope.items() if lvl == p.level), None)
        else:
            row = by_scope.get(
                (p.level, p.user_id if p.level == "individual" else p.team_id)
            )
        return float(row[FLOOR_COLUMNS[p.kind]]) if row else 0.0

    def agreeing(others):
        return sum(
            abs(values[p.kr_id] - other) <= TOLERANCE
            for p, other in zip(countable, others, strict=True)
        )

    return {
        "key_results": len(all_ids),
        "countable": len(countable),
        "definitions": len({(p.kind, p.level) for p in countable}),
        "engine_all": engine_all,
        "engine_countable": engine_countable,
        "gamification_goal": gamification_goal,
        "gamification_batch": gamification_batch,
        "sql_floor": sql_floor,
        "drift": len(drift),
        "agree_goal": agreeing(goal_values["goal"]),
        "agree_batch": agreeing(goal_values["batch"]),
        "agree_sql": agreeing([floor_value(p) for p in countable]),
        "rss_before_mib": memory.get("rss_before_kib", 0) / 1024,
        "rss_peak_mib": memory.get("peak_kib", 0) / 1024,
    }
