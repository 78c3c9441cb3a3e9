"""Where a full recompute's time goes: its SQL statements, the slowest first.

Recomputes the automatic key results named (``--names``, as the benchmark
names them: "Won revenue", "Deals won", ...; all automatic ones when none is
given) as superuser, ``--repeat`` times, each in a transaction rolled back,
and prints the last run's statements by time with the run's total, SQL and
Python time. Run it on a database ``make bench`` kept (``--keep-db``):

    python3 -m bench.recompute_queries --config .okr/odoo.conf \\
      --database r200_okr --names "Won revenue" "Deals won" \\
      "B2b won revenue" "Won revenue month"

What it measures against: the benchmark's "SQL floor" (one grouped query),
and ``bench/experiments/merged_scan.sql`` (the same four families from one
scan of crm_lead).
"""

import argparse
import statistics
import time

import odoo.sql_db as sql_db
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config


def timed_recompute(registry, names, repeat):
    """``(key results, [seconds of each run], [(seconds, statement)] of the
    last run)``."""

    statements = []
    execute = sql_db.Cursor.execute

    def timing_execute(cursor, query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return execute(cursor, query, params, log_exceptions)
        finally:
            text = query.code if hasattr(query, "code") else str(query)
            statements.append((time.perf_counter() - start, " ".join(text.split())))

    runs = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        domain = [("source", "in", ("automatic", "linked"))]
        if names:
            domain.append(("name", "in", names))
        ids = env["okr.key.result"].with_context(active_test=False).search(domain).ids
        sql_db.Cursor.execute = timing_execute
        try:
            for _run in range(repeat):
                statements.clear()
                start = time.perf_counter()
                env["okr.key.result"]._okr_recompute(ids)
                env.flush_all()
                runs.append(time.perf_counter() - start)
                cr.rollback()
        finally:
            sql_db.Cursor.execute = execute
    return ids, runs, sorted(statements, reverse=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=".okr/odoo.conf")
    parser.add_argument("--database", required=True)
    parser.add_argument("--names", nargs="*", default=[])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "--log-level=warn"])
    ids, runs, statements = timed_recompute(
        Registry(args.database), args.names, args.repeat
    )
    sql = sum(seconds for seconds, _text in statements)
    print(
        f"recompute of {len(ids)} key results: "
        + ", ".join(f"{run:.3f}" for run in runs)
        + f" s (median {statistics.median(runs):.3f} s); last run: "
        f"{len(statements)} statements, SQL {sql:.3f} s, "
        f"the rest (Python) {runs[-1] - sql:.3f} s"
    )
    for seconds, text in statements[: args.top]:
        print(f"  {seconds * 1000:8.1f} ms  {text[:110]}")


if __name__ == "__main__":
    main()
