"""Measure 1 (and 4): what okr_sales adds to everyday CRM writes.

The same operations on the same records of two identical databases, one with
okr_sales (and its key results), one with crm alone, all as admin (uid 2, an
ordinary user with access rights checked, not the superuser), in a process of
its own (no HTTP):

- win deals one by one: `action_set_won()`, each in its own transaction
  (`with registry.cursor() as cr: ...`, committed: the engine runs at commit);
- reassign leads one by one: `write({'user_id': ...})`, same;
- import new leads in one call, `crm.lead.load(fields, rows)`, one transaction;
- write what no key result reads (a lead's description and priority) on the
  reassigned leads, one by one: okr_sales should not run its engine at all;
- with tickets (okr_sales_helpdesk): close open tickets one by one, moving
  them to helpdesk_mgmt's Done stage (`write({'stage_id': done})`, as the
  kanban does), and rate tickets one by one (`rating_apply()` on the
  ticket's unanswered request, as the rating page does), each in its own
  committed transaction: the baseline then has helpdesk too, not the
  bridge, so that a ticket closed is compared with a deal won;
- with orders (okr_sales_sale): confirm quotations of two lines one by one
  (`action_confirm()`), each in its own committed transaction; the baseline
  then has sale_crm too, not the bridge.

The database whose key results follow in the background (setting
okr_sales.update_mode) runs the same operations; after each one, what its
scheduled action then does (process the queued changes) is timed apart, as
the catch-up.

Each run takes fresh records; runs alternate between the databases (which
one goes first alternates too). A few untimed operations warm each registry
up first. Figures: seconds per batch (median of the runs), SQL queries and SQL
time per operation, from the counters Odoo's cursor keeps on the thread.
"""

import statistics
import threading
import time

from odoo import SUPERUSER_ID, api

from . import datagen

ADMIN = 2  # base.user_admin


def _in_transactions(registry, items, operation):
    """Run `operation(env, item)` for each item, a committed transaction each."""
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    start = time.perf_counter()
    for item in items:
        with registry.cursor() as cr:
            operation(api.Environment(cr, ADMIN, {}), item)
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "queries": thread.query_count,
        "sql_seconds": thread.query_time,
        "count": len(items),
    }


def _catch_up(registry):
    """Run the background mode's scheduled action until the queue is empty;
    returns its time and the number of queued changes it processed."""
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM okr_pending_change")
        queued = cr.fetchone()[0]
    start = time.perf_counter()
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})["okr.key.result"]._cron_fold_pending()
    return {"catch_up": time.perf_counter() - start, "queued": queued}


def _win(env, lead_id):
    env["crm.lead"].browse(lead_id).action_set_won()


def _reassign(env, item):
    lead_id, user_id = item
    env["crm.lead"].browse(lead_id).write({"user_id": user_id})


def _annotate(env, item):
    lead_id, _user_id = item
    env["crm.lead"].browse(lead_id).write(
        {"description": f"<p>Called back, {lead_id}</p>", "priority": "2"}
    )


def _close(env, ticket_id):
    done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    env["helpdesk.ticket"].browse(ticket_id).write({"stage_id": done.id})


def _rate(env, item):
    ticket_id, rating_id, stars = item
    env["helpdesk.ticket"].browse(ticket_id).rating_apply(
        stars, rating=env["rating.rating"].browse(rating_id)
    )


def _confirm(env, order_id):
    env["sale.order"].browse(order_id).action_confirm()


def _load(env, table):
    fields, rows = table
    # the context of an import from the web client (base_import)
    result = env["crm.lead"].with_context(import_file=True).load(fields, rows)
    errors = [m for m in result["messages"] if m.get("type") == "error"]
    if errors or len(result["ids"] or ()) != len(rows):
        raise RuntimeError(f"import failed: {errors[:3]}")


def run(registries, picked, args, log):
    """`registries`: {label: registry}. Returns {operation: {label: [runs]}}."""
    labels = list(registries)
    with registries[labels[0]].cursor() as cr:  # same customers in both
        env = api.Environment(cr, ADMIN, {})
        warmup_import = datagen.import_rows(env, 20, picked["users"], args.seed)
        imports = [
            datagen.import_rows(env, args.imports, picked["users"], args.seed + r)
            for r in range(args.repeat)
        ]
    for label, registry in registries.items():
        log(f"warming up {label}")
        _in_transactions(registry, picked["warmup_wins"], _win)
        _in_transactions(registry, picked["warmup_reassigns"], _reassign)
        _in_transactions(registry, [warmup_import], _load)
        if picked.get("closes"):
            _in_transactions(registry, picked["warmup_closes"], _close)
            _in_transactions(registry, picked["warmup_ratings"], _rate)
        if picked.get("orders"):
            _in_transactions(registry, picked["warmup_orders"], _confirm)
        if label == "bg":
            _catch_up(registry)

    results = {"wins": {}, "reassigns": {}, "import": {}, "notes": {}}
    tickets = bool(picked.get("closes"))
    if tickets:
        results.update(closes={}, ratings={})
    orders = bool(picked.get("orders"))
    if orders:
        results["orders"] = {}
    for r in range(args.repeat):
        wins = picked["wins"][r * args.wins : (r + 1) * args.wins]
        reassigns = picked["reassigns"][r * args.reassigns : (r + 1) * args.reassigns]
        operations = [
            ("wins", wins, _win),
            ("reassigns", reassigns, _reassign),
            ("import", [imports[r]], _load),
            ("notes", reassigns, _annotate),
        ]
        if tickets:
            closes = picked["closes"][r * args.closes : (r + 1) * args.closes]
            ratings = picked["ratings"][r * args.ratings : (r + 1) * args.ratings]
            operations += [("closes", closes, _close), ("ratings", ratings, _rate)]
        if orders:
            confirms = picked["orders"][r * args.orders : (r + 1) * args.orders]
            operations.append(("orders", confirms, _confirm))
        for label in labels if r % 2 == 0 else labels[::-1]:
            registry = registries[label]
            figures = {}
            for operation, items, function in operations:
                figures[operation] = _in_transactions(registry, items, function)
                if label == "bg":
                    figures[operation].update(_catch_up(registry))
            figures["import"]["count"] = args.imports
            for operation, figure in figures.items():
                results[operation].setdefault(label, []).append(figure)
            log(
                f"run {r + 1}/{args.repeat} on {label}: "
                + ", ".join(f"{op} {f['seconds']:.1f}s" for op, f in figures.items())
            )
    return results


def median_figure(runs):
    """The run of median duration, and the median duration (and catch-up)."""
    seconds = statistics.median(run["seconds"] for run in runs)
    closest = min(runs, key=lambda run: abs(run["seconds"] - seconds))
    median = dict(closest, seconds=seconds, runs=[run["seconds"] for run in runs])
    if "catch_up" in closest:
        median["catch_up"] = statistics.median(run["catch_up"] for run in runs)
    return median
