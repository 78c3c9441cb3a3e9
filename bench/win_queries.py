"""Where a win's SQL statements come from: one line per okr_sales function.

Wins open opportunities one by one, as admin (uid 2), each in its own
committed transaction (the engine runs at the commit, the live refresh
message after it), and counts every statement the cursor executes, charged
to the innermost okr_sales function on the stack that is not a generic
wrapper (``models/base.py``'s create and write hooks, ``engine/pg.py``'s
execute), unless another addon's function (crm's, mail's) is nearer the
statement: then to "crm and Odoo", as are statements of Odoo's core.
Statements of the first win (a cold registry) are not counted. It writes
to the database: use a copy.

"crm and Odoo" includes what okr_sales causes in other addons: mail's
tracking of key result values, the bus rows of the live refresh message and
the won-deal notification. Compare it with the statements of a win with crm
alone (``make bench``'s "SQL queries" column: 21).

    python3 -m bench.win_queries --config .okr/odoo.conf --database okr_copy --wins 10
"""

import argparse
import collections
import traceback

import odoo.sql_db as sql_db
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

ADMIN = 2  # base.user_admin
ADDON_PATHS = ("/okr_sales/", "/okr_sales_helpdesk/", "/okr_sales_survey/")
# Frames that pass every statement through: charged to their caller.
WRAPPERS = {("models/base.py", "create"), ("models/base.py", "_write_multi")}
WRAPPERS |= {("engine/pg.py", "execute")}
OUTSIDE = "crm and Odoo"


def _charged_to(stack, detail=False):
    """The innermost application frame (not Odoo's ORM, cursor or tools):
    an okr_sales function, or another addon's ("crm and Odoo"; with
    ``detail``, that addon's function)."""
    for frame in reversed(stack):
        for path in ADDON_PATHS:
            if path in frame.filename:
                relative = path.strip("/") + "/" + frame.filename.split(path, 1)[1]
                if (relative.split("/", 1)[1], frame.name) in WRAPPERS:
                    break  # a hook every statement passes through: its caller
                return f"{relative}:{frame.name}"
        else:
            if "/addons/" in frame.filename:
                if detail:
                    relative = frame.filename.rsplit("/addons/", 1)[1]
                    return f"{OUTSIDE}: {relative}:{frame.name}"
                return OUTSIDE
    return OUTSIDE


def count_win_queries(registry, wins, detail=False):
    """``(number of wins counted, Counter of statements by function)``."""
    with registry.cursor() as cr:
        env = api.Environment(cr, ADMIN, {})
        lead_ids = (
            env["crm.lead"]
            .search(
                [("type", "=", "opportunity"), ("probability", "<", 100)],
                limit=wins + 1,
                order="id",
            )
            .ids
        )
    counts = collections.Counter()
    counting = False
    execute = sql_db.Cursor.execute

    def counted_execute(self, query, params=None, log_exceptions=True):
        if counting:
            counts[_charged_to(traceback.extract_stack()[:-1], detail)] += 1
        return execute(self, query, params, log_exceptions)

    sql_db.Cursor.execute = counted_execute
    try:
        for index, lead_id in enumerate(lead_ids):
            counting = index > 0
            with registry.cursor() as cr:
                env = api.Environment(cr, ADMIN, {})
                env["crm.lead"].browse(lead_id).action_set_won()
    finally:
        sql_db.Cursor.execute = execute
    return max(len(lead_ids) - 1, 0), counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--database", required=True, help="a copy: wins are kept")
    parser.add_argument("--wins", type=int, default=10)
    parser.add_argument(
        "--detail",
        action="store_true",
        help="split crm and Odoo's statements by the addon function issuing them",
    )
    args = parser.parse_args(argv)
    config.parse_config(["-c", args.config, "--log-level=warn"])
    wins, counts = count_win_queries(Registry(args.database), args.wins, args.detail)
    if not wins:
        raise SystemExit("no open opportunity to win")
    total = sum(counts.values())
    print(f"{wins} wins: {total / wins:.1f} statements a win")
    for where, count in counts.most_common():
        print(f"{count / wins:7.1f}  {where}")


if __name__ == "__main__":
    main()
