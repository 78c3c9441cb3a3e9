from odoo.tests import tagged

from ..engine.definitions import UPDATE_MODE_PARAM
from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestBackgroundUpdateMode(OkrCrmCase):
    """Busy sales floors: the deal only queues its change, and the scheduled
    action brings the key results up to date right after, in batches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", scope="owner"
        )
        cls.colleague_revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", scope="owner", user_id=cls.colleague.id
        )
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team"
        )
        cls.new_customers = cls._new_auto_key_result(
            cls.department, "new_customers", scope="company"
        )
        cls.fold_cron = cls.env.ref("okr_sales.ir_cron_okr_fold_pending")
        settings = cls.env["res.config.settings"].create(
            {"okr_update_mode": "background"}
        )
        settings.execute()

    def _queued(self):
        return self.env["okr.pending.change"].search([], order="id")

    def _fold(self):
        self.env["okr.key.result"]._cron_fold_pending()
        self.env.invalidate_all()

    def test_the_setting_is_stored_as_a_system_parameter(self):
        parameter = self.env["ir.config_parameter"].sudo().get_param(UPDATE_MODE_PARAM)
        self.assertEqual(parameter, "background")
        self.assertEqual(
            self.env["res.config.settings"].create({}).okr_update_mode, "background"
        )

    def test_a_win_is_queued_then_folded_by_the_scheduled_action(self):
        deals = self._new_deal(amount=30.0) | self._new_deal(amount=12.0)
        self._commit_point()
        self._fold()  # the deals' creation, counted nowhere yet
        triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.fold_cron.id)]
        )
        for deal in deals:
            deal.action_set_won()
            self._commit_point()
        # The deals' transactions wrote nothing to the key results...
        self.assertEqual(self.revenue.current_value, 0.0)
        self.assertFalse(self.revenue.contribution_count)
        self.assertEqual(
            self._queued().mapped("res_ids"), [[deals[0].id], [deals[1].id]]
        )
        # ...and woke the scheduled action up.
        new_triggers = (
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.fold_cron.id)])
            - triggers
        )
        self.assertTrue(new_triggers)
        self._fold()
        self.assertEqual(self.revenue.current_value, 42.0)
        self.assertEqual(self.team_revenue.current_value, 42.0)
        self.assertEqual(self.revenue.contribution_count, 2)
        self.assertFalse(self._queued())
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(
                (self.revenue | self.team_revenue | self.new_customers).ids
            ),
            "the folded values agree with a full recompute",
        )

    def test_a_batch_takes_the_oldest_changes_first(self):
        first, second, third = (self._new_deal(amount=a) for a in (1.0, 2.0, 4.0))
        self._commit_point()
        self._fold()
        for deal in (first, second, third):
            deal.action_set_won()
            self._commit_point()
        with self.env.cr.savepoint():
            processed = self.env["okr.key.result"]._okr_process_queue(limit=2)
        self.env.invalidate_all()
        self.assertEqual(processed, 2)
        self.assertEqual(self.revenue.current_value, 3.0)
        self.assertEqual(self._queued().mapped("res_ids"), [[third.id]])
        self._fold()
        self.assertEqual(self.revenue.current_value, 7.0)

    def test_a_reassigned_won_deal_moves_between_salespeople_once_folded(self):
        deal = self._new_deal(amount=50.0)
        deal.action_set_won()
        self._commit_point()
        self._fold()
        self.assertEqual(self.revenue.current_value, 50.0)
        deal.user_id = self.colleague
        self._commit_point()
        self.assertEqual(self.revenue.current_value, 50.0, "not folded yet")
        self._fold()
        self.assertEqual(self.revenue.current_value, 0.0)
        self.assertEqual(self.colleague_revenue.current_value, 50.0)
        self.assertEqual(self.team_revenue.current_value, 50.0)

    def test_first_time_counts_keep_what_the_queued_change_replaced(self):
        # Only a record dated before the period can make a customer not new:
        # the queue keeps the values such counts looked at before the change.
        other_customer = self.env["res.partner"].create(
            {"name": "Da Nang Logistics", "is_company": True}
        )
        deal = self._new_deal(amount=10.0)
        deal.action_set_won()
        self._commit_point()
        self._fold()
        self.assertEqual(self.new_customers.current_value, 1.0)
        deal.partner_id = other_customer
        self._commit_point()
        self.assertTrue(self._queued())
        self._fold()
        self.assertEqual(self.new_customers.current_value, 1.0)
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(self.new_customers.ids),
            "agrees with a full recompute",
        )

    def test_a_changed_definition_still_rebuilds_in_its_own_transaction(self):
        deal = self._new_deal(amount=8.0)
        deal.action_set_won()
        self._commit_point()
        self._fold()
        team_b2b = self._new_auto_key_result(
            self.team_objective, "b2b_won_revenue", scope="team"
        )
        # A manager's edit: rebuilt at once, nothing queued for it.
        self.assertEqual(team_b2b.current_value, 8.0)
        self.assertFalse(self._queued())
