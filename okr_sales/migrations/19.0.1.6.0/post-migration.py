"""A check-in can no longer be dated after today (19.0.1.6.0). One dated in
the future before would hold its key result's value until its day came,
against every check-in made in between: it is dated on the day it was made
(today at the latest), and its key result takes its latest check-in's value
again."""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    # a day ahead of UTC's today at most: the company's today is the judge
    candidates = env["okr.checkin"].search(
        [("date", ">", fields.Date.today() - timedelta(days=1))]
    )
    future = candidates.filtered(
        lambda checkin: checkin.date > checkin.key_result_id._okr_today()
    )
    for checkin in future:
        made = checkin.create_date.date()
        checkin.date = min(made, checkin.key_result_id._okr_today())
    if future:
        _logger.warning(
            "%s check-in(s) dated after today were dated on the day they were made: %s",
            len(future),
            future.ids,
        )
