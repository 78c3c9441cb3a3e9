"""The objectives and key results of a benchmark run (okr_sales database
only): with the ORM, as a cascade company > department > team > salesperson,
measures mixed as `KINDS` says, a tenth of them on tickets, a twentieth on
sales orders; with `--rollups`,
the seed's three levels of roll-ups over the salespeople's amounts.
"""

from dataclasses import dataclass
from datetime import date

# What the key results measure: a preset, or a custom definition; and the
# gamification goal that computes the same value, when there is one
# (computation mode, domain; the field summed is expected_revenue).
WON = "[('won_status', '=', 'won')]"
KINDS = {
    "won_revenue": {"preset": "won_revenue", "goal": ("sum", WON)},
    "deals_won": {
        "custom": {
            "source": "automatic",
            "source_model": "crm.lead",
            "source_domain": WON,
            "measure": "count",
            "unit": "number",
        },
        "goal": ("count", WON),
    },
    "b2b_won_revenue": {
        "preset": "b2b_won_revenue",
        "goal": (
            "sum",
            "[('won_status', '=', 'won'),"
            " ('partner_id.commercial_partner_id.is_company', '=', True)]",
        ),
    },
    "win_rate": {"preset": "win_rate"},
    "won_revenue_month": {
        "preset": "won_revenue",
        "cadence": "month",
        "goal": ("sum", WON),
    },
    "conversion_rate": {"preset": "lead_conversion_rate"},
    "days_to_close": {"preset": "days_to_close", "baseline": 60.0, "target": 10.0},
    "new_customers": {"preset": "new_customers"},
    # helpdesk tickets and ratings (okr_sales_helpdesk): no gamification goal
    "tickets_solved": {"preset": "okr_sales_helpdesk.okr_preset_tickets_solved",
                       "helpdesk": True},
    "ticket_resolution_time": {
        "preset": "okr_sales_helpdesk.okr_preset_ticket_resolution_time",
        "baseline": 72.0, "target": 24.0, "helpdesk": True},
    "tickets_solved_24h": {
        "preset": "okr_sales_helpdesk.okr_preset_tickets_solved_24h",
        "target": 90.0, "helpdesk": True},
    "ticket_satisfaction": {
        "preset": "okr_sales_helpdesk.okr_preset_ticket_satisfaction",
        "target": 90.0, "helpdesk": True},
    # sales orders (okr_sales_sale): no gamification goal
    "order_revenue": {"preset": "okr_sales_sale.okr_preset_order_revenue",
                      "target": 1e9, "sale": True},
    "orders_confirmed": {"preset": "okr_sales_sale.okr_preset_orders_confirmed",
                         "target": 1000.0, "sale": True},
}  # fmt: skip
SALES_KINDS = [
    kind
    for kind, spec in KINDS.items()
    if not (spec.get("helpdesk") or spec.get("sale"))
]
LEVELS = ("company", "team", "individual")

# Share of the key results that measure tickets, when there are tickets;
# orders, when there are orders.
TICKET_SHARE = 0.10
ORDER_SHARE = 0.05


@dataclass
class PlannedKeyResult:
    level: str  # company, team, individual
    kind: str  # a key of KINDS
    user_id: int  # owner: admin, the team leader or the salesperson
    team_id: int | None
    kr_id: int | None = None  # once created

    @property
    def countable(self):
        """Whether gamification and the SQL floor can compute it too."""
        return "goal" in KINDS[self.kind]


def year_bounds(today):
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _spread(n, groups):
    """`n` (group, kind) pairs: round-robin over the groups, the kinds of each
    group cycling through SALES_KINDS from a different start (no repeats until
    a group has every kind)."""
    kinds = SALES_KINDS
    return [
        (
            groups[i % len(groups)],
            kinds[(i % len(groups) + i // len(groups)) % len(kinds)],
        )
        for i in range(n)
    ]


def plan_key_results(n, owners, leaders, admin_id, tickets=False, orders=False):
    """Which key results to create: ~4% company-wide (on the company objective
    and the sales department's, alternately), ~16% on team objectives, the
    rest on salespeople's, measures mixed (see `_spread`). With `tickets`,
    a tenth of `n` measure tickets instead (see `plan_ticket_key_results`);
    with `orders`, a twentieth measure orders (`plan_order_key_results`)."""
    ticket_plan = (
        plan_ticket_key_results(round(n * TICKET_SHARE), owners, leaders, admin_id)
        if tickets
        else []
    )
    order_plan = (
        plan_order_key_results(round(n * ORDER_SHARE), owners, leaders, admin_id)
        if orders
        else []
    )
    ticket_plan += order_plan
    n -= len(ticket_plan)
    n_company = max(2, round(n * 0.04))
    n_team = max(len(leaders), round(n * 0.16))
    n_individual = max(0, n - n_company - n_team)
    plan = [
        PlannedKeyResult("company", kind, admin_id, None)
        for _none, kind in _spread(n_company, [None])
    ]
    plan += [
        PlannedKeyResult("team", kind, leaders[team], team)
        for team, kind in _spread(n_team, sorted(leaders))
    ]
    plan += [
        PlannedKeyResult("individual", kind, *owner)
        for owner, kind in _spread(n_individual, owners)
    ]
    return plan + ticket_plan


def plan_ticket_key_results(n, owners, leaders, admin_id):
    """`n` ticket key results, as a company would set them: the company's
    tickets solved and average resolution time, each team's "tickets solved
    within 24 hours", and the salespeople's customer satisfaction (spread
    over the teams)."""
    if n < 2:
        return []
    plan = [
        PlannedKeyResult("company", "tickets_solved", admin_id, None),
        PlannedKeyResult("company", "ticket_resolution_time", admin_id, None),
    ]
    n_team = min(len(leaders), (n - 2) // 2)
    plan += [
        PlannedKeyResult("team", "tickets_solved_24h", leaders[team], team)
        for team in sorted(leaders)[:n_team]
    ]
    n_individual = n - len(plan)
    plan += [
        PlannedKeyResult(
            "individual",
            "ticket_satisfaction",
            *owners[i * len(owners) // n_individual],
        )
        for i in range(n_individual)
    ]
    return plan


def plan_order_key_results(n, owners, leaders, admin_id):
    """`n` order key results: the company's confirmed order revenue, each
    team's, and the salespeople's orders confirmed (spread over the teams)."""
    if n < 1:
        return []
    plan = [PlannedKeyResult("company", "order_revenue", admin_id, None)]
    n_team = min(len(leaders), (n - 1) // 2)
    plan += [
        PlannedKeyResult("team", "order_revenue", leaders[team], team)
        for team in sorted(leaders)[:n_team]
    ]
    n_individual = n - len(plan)
    plan += [
        PlannedKeyResult(
            "individual",
            "orders_confirmed",
            *owners[i * len(owners) // n_individual],
        )
        for i in range(n_individual)
    ]
    return plan


def create_key_results(env, plan, rollups=False):
    """Create the cascade of objectives and the planned key results."""
    start, end = year_bounds(date.today())
    Objective = env["okr.objective"]
    period = {"period_type": "custom", "date_start": start, "date_end": end}
    admin_id = next(p.user_id for p in plan if p.level == "company")
    company = Objective.create(
        {"name": "Grow the company", "level": "company", "user_id": admin_id, **period}
    )
    department = Objective.create(
        {
            "name": "Grow sales",
            "level": "department",
            "user_id": admin_id,
            "parent_id": company.id,
            **period,
        }
    )
    team_objectives, my_objectives = {}, {}
    for p in plan:
        if p.level == "team" and p.team_id not in team_objectives:
            team_objectives[p.team_id] = Objective.create(
                {
                    "name": f"Team goal {p.team_id}",
                    "level": "team",
                    "user_id": p.user_id,
                    "team_id": p.team_id,
                    "parent_id": department.id,
                    **period,
                }
            )
    for p in plan:
        if p.level == "individual" and p.user_id not in my_objectives:
            parent = team_objectives.get(p.team_id, department)
            my_objectives[p.user_id] = Objective.create(
                {
                    "name": f"My goal {p.user_id}",
                    "level": "individual",
                    "user_id": p.user_id,
                    "team_id": p.team_id,
                    "parent_id": parent.id,
                    **period,
                }
            )
    date_closed = env.ref("crm.field_crm_lead__date_closed").id
    vals_list = []
    n_company = 0
    for p in plan:
        if p.level == "company":
            objective = (company, department)[n_company % 2]
            n_company += 1
        elif p.level == "team":
            objective = team_objectives[p.team_id]
        else:
            objective = my_objectives[p.user_id]
        kind = KINDS[p.kind]
        vals = {
            "name": p.kind.replace("_", " ").capitalize(),
            "objective_id": objective.id,
            "baseline_value": kind.get("baseline", 0.0),
            "target_value": kind.get("target", 1000.0),
        }
        if "preset" in kind:
            preset = kind["preset"]
            if "." not in preset:
                preset = f"okr_sales.okr_preset_{preset}"
            vals["preset_id"] = env.ref(preset).id
        else:
            vals.update(kind["custom"], date_field_id=date_closed, cadence="period")
        if "cadence" in kind:
            vals["cadence"] = kind["cadence"]
        vals_list.append(vals)
    key_results = env["okr.key.result"].create(vals_list)
    for p, kr_id in zip(plan, key_results.ids, strict=True):
        p.kr_id = kr_id
    if rollups:
        add_rollup_chain(env, plan, company, department, team_objectives)
    return key_results


def add_rollup_chain(env, plan, company, department, team_objectives):
    """Three levels of roll-ups over the salespeople's amounts, as the seed's
    cascade: each team's sum of its salespeople's amount key results, the
    department's sum of the teams', the company's of the department's; and
    each team leader's share of them at target. Every deal won moves four
    more key results, in its transaction."""
    KeyResult = env["okr.key.result"]
    amounts = KeyResult.browse(
        [p.kr_id for p in plan if p.level == "individual"]
    ).filtered(lambda kr: kr.unit == "currency")
    rollup = {"source": "rollup", "unit": "currency", "target_value": 1e6}
    top = KeyResult.create(
        {**rollup, "name": "Company revenue", "objective_id": company.id}
    )
    middle = KeyResult.create(
        {
            **rollup,
            "name": "Department revenue",
            "objective_id": department.id,
            "parent_id": top.id,
        }
    )
    for team_id, objective in team_objectives.items():
        members = amounts.filtered(
            lambda kr, t=team_id: kr.objective_id.team_id.id == t
        )
        team = KeyResult.create(
            {
                **rollup,
                "name": "Team revenue",
                "objective_id": objective.id,
                "parent_id": middle.id,
            }
        )
        members.write({"parent_id": team.id})
        KeyResult.create(
            {
                "name": "Salespeople at target",
                "objective_id": objective.id,
                "source": "rollup",
                "rollup_method": "share_achieved",
                "rollup_child_ids": [(6, 0, members.ids)],
                "unit": "percent",
                "target_value": 100.0,
            }
        )
