"""The shared setup of the webhook tests: a local receiver (a real HTTP
server on localhost, ``webhook_receiver``), key results that move, and the
helpers that win a deal and run the delivery's scheduled action."""

from ..webhook.events import ALLOW_PRIVATE_PARAM, COALESCE_PARAM
from .common import OkrCrmCase
from .webhook_receiver import PinnedRequests

SECRET = "test-secret-of-the-sales-floor-chat"
DELIVERY_MODULE = "odoo.addons.okr_sales.models.okr_webhook_delivery"
# Slack for the test machine over a deadline: the bound is what is tested,
# not the speed.
MARGIN = 1.0


class WebhookCase(PinnedRequests, OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(ALLOW_PRIVATE_PARAM, "1")  # the receiver is local
        params.set_param(COALESCE_PARAM, "0")
        cls.my_revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", target_value=10000.0
        )
        cls.company_revenue = cls._new_auto_key_result(
            cls.department, "won_revenue", target_value=100000.0
        )

    def _webhook(self, url, **vals):
        values = {"name": "Sales floor", "url": url, "secret": SECRET}
        values.update(vals)
        return self.env["okr.webhook"].create(values)

    def _win(self, amount=2000.0, user=None):
        deal = self._new_deal(user=user, amount=amount)
        deal.with_user(user or self.salesperson).action_set_won()
        self._commit_point()
        return deal

    def _deliver(self):
        self.env["okr.webhook.delivery"]._cron_deliver()

    def _deliveries(self, webhook):
        return self.env["okr.webhook.delivery"].search(
            [("webhook_id", "=", webhook.id)], order="id"
        )
