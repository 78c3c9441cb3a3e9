"""What one active webhook adds to a won deal (issue #14: within 5%).

Wins open opportunities as admin, each in its own committed transaction, in
blocks of ``--wins``: without any active webhook, then with one (its outbox
row written while the deal commits; nothing is posted, the scheduled action
does not run here), alternating which comes first, ``--repeat`` rounds after
an untimed warm-up. Prints every block's milliseconds a win, the medians and
their ratio. It writes to the database (wins deals, adds a webhook, then
deletes it): use a benchmark database kept with ``--keep-db``.

    python3 -m bench.webhook_cost --config .okr/odoo.conf --database r200_okr \\
      --wins 100 --repeat 5
"""

import argparse
import statistics
import time

from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

ADMIN = 2  # base.user_admin: a salesperson's win (the won-deal notification)
WEBHOOK_URL = "https://127.0.0.1:9/okr"  # never called here


def _win_each(registry, lead_ids):
    """Seconds a win, each in its own transaction."""
    start = time.perf_counter()
    for lead_id in lead_ids:
        with registry.cursor() as cr:
            env = api.Environment(cr, ADMIN, {})
            env["crm.lead"].browse(lead_id).action_set_won()
    return (time.perf_counter() - start) / len(lead_ids)


def _set_webhook(registry, webhook_id, active):
    with registry.cursor() as cr:
        env = api.Environment(cr, ADMIN, {}, su=True)
        if webhook_id is None:
            env["ir.config_parameter"].set_param("okr_sales.webhook_allow_private", "1")
            return (
                env["okr.webhook"]
                .create({"name": "bench", "url": WEBHOOK_URL, "active": active})
                .id
            )
        webhook = env["okr.webhook"].browse(webhook_id)
        if active is None:
            env["okr.webhook.delivery"].search(
                [("webhook_id", "=", webhook_id)]
            ).unlink()
            webhook.unlink()
        else:
            webhook.active = active
        return webhook_id


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=".okr/odoo.conf")
    parser.add_argument("--database", required=True)
    parser.add_argument("--wins", type=int, default=100, help="wins a block")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (median)")
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, ADMIN, {}, su=True)
        needed = args.warmup * 2 + 2 * args.wins * args.repeat
        lead_ids = (
            env["crm.lead"]
            .search(
                [
                    ("type", "=", "opportunity"),
                    ("won_status", "=", "pending"),
                    ("user_id", "!=", False),
                ],
                limit=needed,
                order="id",
            )
            .ids
        )
        if len(lead_ids) < needed:
            raise SystemExit(f"{needed} open opportunities needed, {len(lead_ids)}")
        events_before = env["okr.webhook.event"].search_count([])
    webhook_id = _set_webhook(registry, None, False)
    try:
        _win_each(registry, lead_ids[: args.warmup])
        _set_webhook(registry, webhook_id, True)
        _win_each(registry, lead_ids[args.warmup : 2 * args.warmup])
        rest = lead_ids[2 * args.warmup :]
        figures = {False: [], True: []}
        for r in range(args.repeat):
            order = (False, True) if r % 2 == 0 else (True, False)
            for active in order:
                _set_webhook(registry, webhook_id, active)
                block, rest = rest[: args.wins], rest[args.wins :]
                figures[active].append(_win_each(registry, block))
                print(
                    f"round {r + 1}: {'one webhook' if active else 'no webhook '}"
                    f" {figures[active][-1] * 1000:.1f} ms a win"
                )
        with registry.cursor() as cr:
            env = api.Environment(cr, ADMIN, {}, su=True)
            outbox = env["okr.webhook.event"].search_count([]) - events_before
    finally:
        _set_webhook(registry, webhook_id, None)
    without = statistics.median(figures[False])
    with_one = statistics.median(figures[True])
    print(
        f"median of {args.repeat}: no webhook {without * 1000:.1f} ms, one webhook"
        f" {with_one * 1000:.1f} ms a win: {with_one / without:.3f}x"
        f" (target <= 1.05x); {outbox} outbox rows written"
    )


if __name__ == "__main__":
    main()
