"""Who may do what, tried as each user through the ORM, as over JSON-RPC.

``MATRIX`` is the expected table: a row per operation, a column per user
(y: allowed, n: refused). A change of rights that is not also made here
breaks the test. Each operation runs in a savepoint that is rolled back, so
the rows are independent.
"""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from ..engine.definitions import RULE_FIELDS
from .common import OkrCrmCase

ROLES = ("salesperson", "leader", "manager", "outsider")

# salesperson: own leads only (sale_salesman); leader: leads the sales team,
# sees all leads (sale_salesman_all_leads); manager: sales administrator, OKR
# manager; outsider: sales administrator of a second company.
MATRIX = """
                                                  sales leader manager outsider
objective read company's                            y     y      y      n
objective read colleague's                          y     y      y      n
objective write own                                 y     y      y      y
objective write colleague's                         n     n      y      n
objective write own progress and status             n     n      n      n
objective hand own over to a colleague              n     n      y      n
objective raise own to company level                n     n      y      y
objective align own with the company's              y     y      y      n
objective create individual                         y     y      y      y
objective create for the sales team                 n     y      y      n
objective create company level                      n     n      y      y
objective delete own, manual key results only       y     y      y      y
objective delete one with automatic key results     n     n      y      n
objective archive one with automatic key results    n     n      y      n
key_result read team's automatic                    y     y      y      n
key_result write own manual target                  y     y      y      y
key_result write colleague's target                 n     n      y      n
key_result write current value of own manual        y     y      y      y
key_result write current value of automatic         n     n      n      n
key_result write own progress and status            n     n      n      n
key_result clear the error of an automatic one      n     n      n      n
key_result move to the company's objective          n     n      y      n
key_result pick another preset on own automatic     y     n      y      n
key_result create manual in own objective           y     y      y      y
key_result create in the company's objective        n     n      y      n
key_result create from a preset in own objective    y     y      y      y
key_result create from a preset, company scope      n     n      y      y
key_result create automatic without a preset        n     n      y      y
key_result delete own manual                        y     y      y      y
key_result delete automatic                         n     n      y      n
key_result action recompute                         n     n      y      n
key_result action contributing records              y     y      y      n
checkin read colleague's                            y     y      y      n
checkin create on own manual                        y     y      y      y
checkin create on colleague's                       n     n      y      n
checkin create on automatic                         n     n      n      n
checkin create in a colleague's name                n     n      y      n
checkin write salesperson's value                   y     n      y      n
checkin move salesperson's to colleague's           n     n      y      n
checkin delete salesperson's                        y     n      y      n
contribution read of salesperson's deal             y     y      y      n
contribution read of colleague's deal               n     y      y      n
contribution write                                  n     n      n      n
contribution create                                 n     n      n      n
contribution delete                                 n     n      n      n
period read                                         y     y      y      n
period write                                        n     n      n      n
period create                                       n     n      n      n
period delete                                       n     n      n      n
preset read                                         y     y      y      y
preset write                                        n     n      y      y
preset create                                       n     n      y      y
preset delete                                       n     n      y      y
pending read                                        n     n      n      n
pending write                                       n     n      n      n
pending create                                      n     n      n      n
pending delete                                      n     n      n      n
deal action key results of salesperson's deal       y     y      y      n
deal action key results of colleague's deal         n     y      y      n
"""

REFUSALS = (AccessError, ValidationError, UserError)


def _expected():
    lines = [line for line in MATRIX.strip().splitlines()[1:] if line.strip()]
    table = {}
    for line in lines:
        *words, s, lead, man, out = line.split()
        table[" ".join(words)] = dict(
            zip(ROLES, (cell == "y" for cell in (s, lead, man, out)), strict=True)
        )
    return table


@tagged("post_install", "-at_install")
class TestSecurityMatrix(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague_objective = cls._new_objective(
            name="Hung's revenue",
            user_id=cls.colleague.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        cls.company_objective = cls._new_objective(
            name="Reach 300 bn VND",
            level="company",
            user_id=cls.director.id,
            team_id=False,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.outsider = new_test_user(
            cls.env,
            login="okr_outsider",
            groups="base.group_user,sales_team.group_sale_manager",
            company_id=cls.other_company.id,
            company_ids=[cls.other_company.id],
        )
        cls.outsider_objective = (
            cls.env["okr.objective"]
            .with_company(cls.other_company)
            .create(
                {
                    "name": "Other company's goal",
                    "user_id": cls.outsider.id,
                    "company_id": cls.other_company.id,
                }
            )
        )
        cls.users = {
            "salesperson": cls.salesperson,
            "leader": cls.leader,
            "manager": cls.director,
            "outsider": cls.outsider,
        }
        cls.own_objective = {
            "salesperson": cls.my_objective,
            "leader": cls.team_objective,
            "manager": cls.department,
            "outsider": cls.outsider_objective,
        }
        cls.own_manual = {
            role: cls._new_key_result(objective, name=f"Calls of {role}")
            for role, objective in cls.own_objective.items()
        }
        cls.colleague_manual = cls._new_key_result(cls.colleague_objective)
        cls.company_manual = cls._new_key_result(cls.company_objective)
        cls.lan_auto = cls._new_auto_key_result(cls.my_objective, "won_revenue")
        cls.team_auto = cls._new_auto_key_result(cls.team_objective, "won_revenue")
        cls.lan_deal = cls._new_deal(amount=100.0)
        cls.colleague_deal = cls._new_deal(user=cls.colleague, amount=40.0)
        (cls.lan_deal | cls.colleague_deal).action_set_won()
        cls.lan_checkin = (
            cls.env["okr.checkin"]
            .with_user(cls.salesperson)
            .create({"key_result_id": cls.own_manual["salesperson"].id, "value": 3})
        )
        cls.colleague_checkin = cls._check_in(
            cls.colleague_manual, 4, user_id=cls.colleague.id
        )
        cls.pending = (
            cls.env["okr.pending.change"]
            .sudo()
            .create({"res_model": "crm.lead", "res_ids": [cls.lan_deal.id]})
        )
        cls.env.cr.flush()
        cls.contributions = cls.env["okr.contribution"].search(
            [("key_result_id", "=", cls.team_auto.id)]
        )
        cls.preset = cls.env.ref("okr_sales.okr_preset_won_revenue")

    def _env(self, role):
        user = self.users[role]
        return self.env(
            user=user,
            context=dict(self.env.context, allowed_company_ids=user.company_ids.ids),
        )

    def _contribution(self, deal):
        return self.contributions.filtered(lambda c: c.res_id == deal.id)

    # The operations, by the matrix's row names: f(role, env).

    def _operations(self):
        own_obj, own_manual = self.own_objective, self.own_manual
        preset = self.preset
        b2b = self.env.ref("okr_sales.okr_preset_b2b_won_revenue")
        date_closed = self.env.ref("crm.field_crm_lead__date_closed")

        def new_kr(env, objective, **vals):
            return env["okr.key.result"].create(
                {
                    "name": "New",
                    "objective_id": objective.id,
                    "target_value": 10,
                    **vals,
                }
            )

        def own_deletable_objective(role, env):
            objective = (
                self.env["okr.objective"]
                .sudo()
                .create(
                    {
                        "name": "Spare",
                        "user_id": self.users[role].id,
                        "company_id": self.users[role].company_id.id,
                        "key_result_ids": [
                            Command.create({"name": "X", "target_value": 1})
                        ],
                    }
                )
            )
            objective.with_env(env).unlink()

        return {
            "objective read company's": lambda r, e: self.company_objective.with_env(
                e
            ).read(["name", "progress"]),
            "objective read colleague's": lambda r, e: (
                self.colleague_objective.with_env(e).read(["name"])
            ),
            "objective write own": lambda r, e: (
                own_obj[r].with_env(e).write({"name": "Mine"})
            ),
            "objective write colleague's": lambda r, e: (
                self.colleague_objective.with_env(e).write({"name": "Taken"})
            ),
            "objective write own progress and status": lambda r, e: (
                own_obj[r].with_env(e).write({"progress": 100, "status": "achieved"})
            ),
            "key_result write own progress and status": lambda r, e: (
                own_manual[r].with_env(e).write({"progress": 100, "status": "achieved"})
            ),
            "key_result clear the error of an automatic one": lambda r, e: (
                self.lan_auto.with_env(e).write({"computation_error": False})
            ),
            "objective hand own over to a colleague": lambda r, e: (
                own_obj[r].with_env(e).write({"user_id": self.colleague.id})
            ),
            "objective raise own to company level": lambda r, e: (
                own_obj[r].with_env(e).write({"level": "company"})
            ),
            "objective align own with the company's": lambda r, e: (
                own_obj[r].with_env(e).write({"parent_id": self.company_objective.id})
            ),
            "objective create individual": lambda r, e: e["okr.objective"].create(
                {"name": "Mine", "level": "individual"}
            ),
            "objective create for the sales team": lambda r, e: e[
                "okr.objective"
            ].create({"name": "Team", "level": "team", "team_id": self.team.id}),
            "objective create company level": lambda r, e: e["okr.objective"].create(
                {"name": "All", "level": "company"}
            ),
            "objective delete own, manual key results only": own_deletable_objective,
            "objective delete one with automatic key results": lambda r, e: (
                self.my_objective.with_env(e).unlink()
            ),
            "objective archive one with automatic key results": lambda r, e: (
                self.my_objective.with_env(e).write({"active": False})
            ),
            "key_result read team's automatic": lambda r, e: self.team_auto.with_env(
                e
            ).read(["name", "current_value"]),
            "key_result write own manual target": lambda r, e: (
                own_manual[r].with_env(e).write({"target_value": 50})
            ),
            "key_result write colleague's target": lambda r, e: (
                self.colleague_manual.with_env(e).write({"target_value": 1})
            ),
            "key_result write current value of own manual": lambda r, e: (
                own_manual[r].with_env(e).write({"current_value": 7})
            ),
            "key_result write current value of automatic": lambda r, e: (
                self.lan_auto.with_env(e).write({"current_value": 15e9})
            ),
            "key_result move to the company's objective": lambda r, e: (
                own_manual["salesperson"]
                .with_env(e)
                .write({"objective_id": self.company_objective.id})
            ),
            "key_result pick another preset on own automatic": lambda r, e: (
                self.lan_auto.with_env(e).write({"preset_id": b2b.id})
            ),
            "key_result create manual in own objective": lambda r, e: new_kr(
                e, own_obj[r]
            ),
            "key_result create in the company's objective": lambda r, e: new_kr(
                e, self.company_objective
            ),
            "key_result create from a preset in own objective": lambda r, e: new_kr(
                e, own_obj[r], preset_id=preset.id
            ),
            "key_result create from a preset, company scope": lambda r, e: new_kr(
                e, own_obj[r], preset_id=preset.id, scope="company"
            ),
            "key_result create automatic without a preset": lambda r, e: new_kr(
                e,
                own_obj[r],
                source="automatic",
                source_model="crm.lead",
                source_domain="[]",
                date_field_id=date_closed.id,
                measure="count",
            ),
            "key_result delete own manual": lambda r, e: (
                own_manual[r].with_env(e).unlink()
            ),
            "key_result delete automatic": lambda r, e: self.lan_auto.with_env(
                e
            ).unlink(),
            "key_result action recompute": lambda r, e: self.team_auto.with_env(
                e
            ).action_recompute(),
            "key_result action contributing records": lambda r, e: (
                self.team_auto.with_env(e).action_open_contributing_records()
            ),
            "checkin read colleague's": lambda r, e: self.colleague_checkin.with_env(
                e
            ).read(["value"]),
            "checkin create on own manual": lambda r, e: e["okr.checkin"].create(
                {"key_result_id": own_manual[r].id, "value": 9}
            ),
            "checkin create on colleague's": lambda r, e: e["okr.checkin"].create(
                {"key_result_id": self.colleague_manual.id, "value": 9}
            ),
            "checkin create on automatic": lambda r, e: e["okr.checkin"].create(
                {"key_result_id": self.lan_auto.id, "value": 15e9}
            ),
            "checkin create in a colleague's name": lambda r, e: e[
                "okr.checkin"
            ].create(
                {
                    "key_result_id": own_manual[r].id,
                    "value": 9,
                    "user_id": self.colleague.id,
                }
            ),
            "checkin write salesperson's value": lambda r, e: self.lan_checkin.with_env(
                e
            ).write({"value": 99}),
            "checkin move salesperson's to colleague's": lambda r, e: (
                self.lan_checkin.with_env(e).write(
                    {"key_result_id": self.colleague_manual.id}
                )
            ),
            "checkin delete salesperson's": lambda r, e: self.lan_checkin.with_env(
                e
            ).unlink(),
            "contribution read of salesperson's deal": lambda r, e: (
                self._contribution(self.lan_deal)
                .with_env(e)
                .read(["record_name", "value"])
            ),
            "contribution read of colleague's deal": lambda r, e: (
                self._contribution(self.colleague_deal)
                .with_env(e)
                .read(["record_name", "value"])
            ),
            "contribution write": lambda r, e: (
                self._contribution(self.lan_deal).with_env(e).write({"value": 1e12})
            ),
            "contribution create": lambda r, e: e["okr.contribution"].create(
                {
                    "key_result_id": self.lan_auto.id,
                    "res_model": "crm.lead",
                    "res_id": self.colleague_deal.id,
                    "bucket_date": self.period_start,
                    "value": 1e12,
                }
            ),
            "contribution delete": lambda r, e: (
                self._contribution(self.lan_deal).with_env(e).unlink()
            ),
            "period read": lambda r, e: self.team_auto.period_value_ids.with_env(
                e
            ).read(["value_sum"]),
            "period write": lambda r, e: self.team_auto.period_value_ids.with_env(
                e
            ).write({"value_sum": 1e12}),
            "period create": lambda r, e: e["okr.key.result.period"].create(
                {
                    "key_result_id": self.lan_auto.id,
                    "date_start": self.period_start,
                    "date_end": self.period_end,
                }
            ),
            "period delete": lambda r, e: self.team_auto.period_value_ids.with_env(
                e
            ).unlink(),
            "preset read": lambda r, e: self.preset.with_env(e).read(["name"]),
            "preset write": lambda r, e: self.preset.with_env(e).write(
                {"name": "Mine"}
            ),
            "preset create": lambda r, e: e["okr.key.result.preset"].create(
                {
                    "name": "Everything",
                    "source_model": "crm.lead",
                    "date_field_id": date_closed.id,
                }
            ),
            "preset delete": lambda r, e: self.preset.with_env(e).unlink(),
            "pending read": lambda r, e: self.pending.with_env(e).read(["res_ids"]),
            "pending write": lambda r, e: self.pending.with_env(e).write(
                {"res_ids": []}
            ),
            "pending create": lambda r, e: e["okr.pending.change"].create(
                {"res_model": "crm.lead", "res_ids": [1]}
            ),
            "pending delete": lambda r, e: self.pending.with_env(e).unlink(),
            "deal action key results of salesperson's deal": lambda r, e: (
                self.lan_deal.with_env(e).action_open_okr_key_results()
            ),
            "deal action key results of colleague's deal": lambda r, e: (
                self.colleague_deal.with_env(e).action_open_okr_key_results()
            ),
        }

    def _allowed(self, operation, role):
        """Run ``operation`` as ``role`` and roll it back; whether it passed."""
        try:
            with self.env.cr.savepoint():
                operation(role, self._env(role))
                self.env.flush_all()
                raise _RolledBack
        except _RolledBack:
            return True
        except REFUSALS:
            return False
        finally:
            self.env.invalidate_all()

    def test_every_operation_as_every_user(self):
        expected = _expected()
        operations = self._operations()
        self.assertEqual(
            set(expected), set(operations), "every row has an operation and back"
        )
        for name, cells in expected.items():
            for role in ROLES:
                with self.subTest(operation=name, user=role):
                    self.assertEqual(
                        self._allowed(operations[name], role),
                        cells[role],
                        f"{name!r} as {role}",
                    )

    def test_every_rule_field_is_the_managers_alone(self):
        """Each field that says what is counted, written by the salesperson on
        her own automatic key result over the ORM: refused; by a manager:
        accepted."""
        fields_ = self.env["ir.model.fields"]
        new_values = {
            "source": {"source": "manual"},
            "source_model": {
                "source_model": "calendar.event",
                "source_domain": "[]",
                "date_field_id": fields_._get("calendar.event", "start").id,
                "measure": "count",
            },
            "source_domain": {"source_domain": "[]"},
            "numerator_domain": {
                "measure": "ratio",
                "source_domain": "[]",
                "numerator_domain": "[('won_status', '=', 'won')]",
                "unit": "percent",
            },
            "date_field_id": {
                "date_field_id": fields_._get("crm.lead", "date_open").id
            },
            "scope": {"scope": "company"},
            "measure": {"measure": "count"},
            "measure_field_id": {
                "measure_field_id": fields_._get("crm.lead", "prorated_revenue").id
            },
            "duration_start_field_id": {
                "duration_start_field_id": fields_._get("crm.lead", "create_date").id
            },
            "duration_end_field_id": {
                "duration_end_field_id": fields_._get("crm.lead", "date_closed").id
            },
            "unit": {"unit": "number"},
            "first_time_only": {
                "measure": "distinct",
                "measure_field_id": fields_._get("crm.lead", "partner_id").id,
                "first_time_only": True,
                "unit": "number",
            },
            "cadence": {"cadence": "month"},
        }
        self.assertEqual(
            set(new_values), set(RULE_FIELDS), "a value to try for each rule field"
        )
        for fname, vals in new_values.items():
            with self.subTest(field=fname):
                key_result = self.lan_auto.with_env(self._env("salesperson"))
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    key_result.write(vals)
                self.env.invalidate_all()
                with self.env.cr.savepoint() as savepoint:
                    self.lan_auto.with_env(self._env("manager")).write(vals)
                    self.env.flush_all()
                    savepoint.rollback()
                self.env.invalidate_all()
        # The owner, the preset's whose-records, on her own objective too.
        with self.assertRaises(AccessError):
            self.lan_auto.with_env(self._env("salesperson")).user_id = self.colleague

    def test_the_form_shows_read_only_what_the_server_refuses(self):
        # the owner and the level above a salesperson's: the form's
        # read-only fields are the server's refusals
        for role, can_hand_over, can_set_level in (
            ("salesperson", False, False),
            ("leader", False, True),
            ("manager", True, True),
        ):
            objective = self.own_objective[role].with_env(self._env(role))
            with self.subTest(role=role):
                self.assertEqual(objective.can_hand_over, can_hand_over)
                self.assertEqual(objective.can_set_level, can_set_level)
        # what the salesperson's read-only level stands for
        with self.assertRaises(AccessError):
            self.own_objective["salesperson"].with_env(
                self._env("salesperson")
            ).level = "team"
        form = self.env.ref("okr_sales.okr_objective_view_form").arch
        self.assertIn('name="level" readonly="not can_edit or not can_set_level"', form)
        self.assertIn(
            'name="user_id" widget="many2one_avatar_user" readonly="not can_edit or '
            'not can_hand_over"',
            form,
        )

    def test_handing_an_objective_over_is_refused_in_words(self):
        # what the owner reads: the field and why, not Odoo's "records you
        # may not touch"
        for role in ("salesperson", "leader"):
            objective = self.own_objective[role].with_env(self._env(role))
            with self.assertRaises(AccessError) as refusal:
                objective.write({"user_id": self.colleague.id})
            self.assertEqual(
                str(refusal.exception),
                f"Owner: after this change objective “{objective.name}” would no "
                "longer be yours to edit; an OKR manager hands an objective over.",
            )
        self.own_objective["manager"].with_env(self._env("manager")).write(
            {"user_id": self.colleague.id}
        )


class _RolledBack(Exception):
    """Ends an allowed operation's savepoint."""
