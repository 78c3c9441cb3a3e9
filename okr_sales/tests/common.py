from datetime import date

from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user

# A context that keeps the chatter quiet: tests are about OKR values.
QUIET_CONTEXT = {
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "tracking_disable": True,
}


class OkrCase(TransactionCase):
    """A small sales organisation: a director, a team leader and two salespeople."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **QUIET_CONTEXT))
        cls.company = cls.env.company
        cls.director = new_test_user(
            cls.env,
            login="okr_director",
            name="Director",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.leader = new_test_user(
            cls.env,
            login="okr_leader",
            name="Team Leader",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="okr_lan",
            name="Lan",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.colleague = new_test_user(
            cls.env,
            login="okr_hung",
            name="Hung",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "OKR Test Team",
                "user_id": cls.leader.id,
                "member_ids": [
                    Command.link(cls.salesperson.id),
                    Command.link(cls.colleague.id),
                ],
            }
        )
        cls.year_start = date(2026, 1, 1)
        cls.year_end = date(2026, 12, 31)

    @classmethod
    def _new_objective(cls, **vals):
        values = {
            "name": "Grow sales revenue",
            "level": "individual",
            "user_id": cls.salesperson.id,
            "team_id": cls.team.id,
            "period_type": "custom",
            "date_start": cls.year_start,
            "date_end": cls.year_end,
        }
        values.update(vals)
        return cls.env["okr.objective"].create(values)

    @classmethod
    def _new_key_result(cls, objective, **vals):
        values = {
            "name": "Revenue 15 bn VND",
            "objective_id": objective.id,
            "baseline_value": 0.0,
            "target_value": 100.0,
        }
        values.update(vals)
        return cls.env["okr.key.result"].create(values)

    @classmethod
    def _check_in(cls, key_result, value, **vals):
        values = {"key_result_id": key_result.id, "value": value}
        values.update(vals)
        return cls.env["okr.checkin"].create(values)
