"""Benchmark of okr_sales against crm (and helpdesk) alone: `make bench`,
`make bench-quick`, or `python -m bench.run --config .okr/odoo.conf [options]`
(`--help`).

1. Builds the data set once (datagen.build): database <prefix>_crm gets crm,
   OCA helpdesk (when on the addons path; `--tickets 0` leaves it out) and
   sale_crm (`--orders 0` leaves it out), and the seeded salespeople,
   customers, leads, tickets, ratings and quotations; it is cloned into
   <prefix>_okr, where okr_sales and its bridges okr_sales_helpdesk and
   okr_sales_sale are installed and the key results created, and that one
   into <prefix>_bg, which updates them in the background.
2. Runs the measures asked for (`--only`), in this order: write (measure 1,
   measure_write), concurrency (measure 3, measure_concurrency), recompute
   (measure 2, measure_recompute: it installs gamification in <prefix>_crm,
   hence last). With `--baseline` (the `--json` of a run at another size),
   also prints measure 4.
3. Prints the report (report) on stdout; progress goes to stderr, Odoo's
   warnings to .okr/logs/bench-<prefix>.log.

The databases are dropped at the end unless --keep-db. The exit status is
non-zero only when the harness itself fails: missed targets are reported.
"""

import argparse
import os
import sys
import time
from datetime import datetime, timezone

QUICK = {"leads": 5000, "users": 20, "teams": 4, "key_results": 40, "wins": 50,
         "reassigns": 25, "imports": 50, "closes": 25, "ratings": 25,
         "orders": 25, "warmup": 5, "clients": 2, "client_wins": 15,
         "repeat": 1}  # fmt: skip
MEASURES = ("write", "concurrency", "recompute")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--config", default=".okr/odoo.conf", help="Odoo configuration file")
    add("--db-prefix", default=f"okr_bench_{os.getpid()}", help="database names")
    add("--quick", action="store_true", help=f"small sizes, for CI: {QUICK}")
    add("--leads", type=int, default=200_000)
    add("--partners", type=int, help="customers (default: leads/40, 200..5000)")
    add("--tickets", type=int, help="helpdesk tickets (default: leads/10; 0: none)")
    add("--users", type=int, default=100, help="salespeople")
    add("--teams", type=int, default=10)
    add("--key-results", type=int, default=500)
    add("--rollups", action="store_true",
        help="three levels of roll-ups over the salespeople's amounts")  # fmt: skip
    add("--wins", type=int, default=1000, help="deals won, per run")
    add("--reassigns", type=int, default=1000, help="leads reassigned, per run")
    add("--imports", type=int, default=5000, help="leads imported, per run")
    add("--closes", type=int, default=500, help="tickets closed, per run")
    add("--ratings", type=int, default=500, help="tickets rated, per run")
    add("--orders", type=int, default=500,
        help="quotations confirmed, per run (0: no sales orders)")  # fmt: skip
    add("--warmup", type=int, default=10, help="untimed wins and reassigns first")
    add("--clients", type=int, default=8, help="concurrent client processes")
    add("--client-wins", type=int, default=200, help="deals won by each client")
    add("--workers", type=int, default=4, help="Odoo server workers (measure 3)")
    add(
        "--servers",
        type=int,
        default=1,
        help="Odoo servers per database, --workers each (measure 3)",
    )
    add(
        "--pgbouncer",
        action="store_true",
        help="measure 3 through pgbouncer in transaction pooling mode",
    )
    add(
        "--pgbouncer-pool",
        type=int,
        default=4,
        help="pgbouncer's PostgreSQL connections per database",
    )
    add("--strict", action="store_true",
        help="fail on a client-visible error or a value a recompute corrects "
        "(measure 3): correctness, never speed")  # fmt: skip
    add("--repeat", type=int, default=3, help="runs per figure (median)")
    add("--seed", type=int, default=42)
    add("--only", default=",".join(MEASURES), help=f"some of {','.join(MEASURES)}")
    add("--keep-db", action="store_true", help="keep the databases")
    add("--json", help="save the results to this file")
    add("--baseline", help="results (--json) of a run at another size: measure 4")
    args = parser.parse_args(argv)
    if args.quick:
        given = {a[2:].split("=")[0].replace("-", "_") for a in (argv or sys.argv)}
        for name, value in QUICK.items():
            if name not in given:
                setattr(args, name, value)
    if args.partners is None:
        args.partners = min(5000, max(200, args.leads // 40))
    if args.tickets is None:
        args.tickets = args.leads // 10
    args.only = [m.strip() for m in args.only.split(",") if m.strip()]
    if set(args.only) - set(MEASURES):
        parser.error(f"--only: choose among {', '.join(MEASURES)}")
    return args


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv=None):
    args = parse_args(argv)
    # Odoo is imported here, not at the top: the client processes of measure 3
    # are spawned, and they import this module again.
    from . import (  # noqa: PLC0415
        datagen,
        db,
        key_results,
        measure_concurrency,
        measure_recompute,
        measure_write,
        report,
    )

    started = time.perf_counter()
    names = {
        "crm": f"{args.db_prefix}_crm",
        "okr": f"{args.db_prefix}_okr",
        "bg": f"{args.db_prefix}_bg",
    }
    logdir = db.ROOT / ".okr" / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    logfile = str(logdir / f"bench-{args.db_prefix}.log")
    db.boot(os.path.abspath(args.config), logfile)
    if args.tickets and not datagen.helpdesk_available():
        log(f"{datagen.HELPDESK} not on the addons path: no tickets")
        args.tickets = 0
    info = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(db.server_version()),
        "load": report.load_average(),
        "repeat": args.repeat,
        "databases": names,
        "baseline": " + ".join(
            ["crm"] + ["helpdesk"] * bool(args.tickets) + ["sale"] * bool(args.orders)
        )
        + " alone",
    }
    results = {}

    def checkpoint():  # what is measured so far, should the run be cut short
        if args.json:
            report.save(args.json, {**results, "info": info, "args": vars(args)})

    try:
        plan, picked, steps, t0 = datagen.build(args, names, logfile, log)
        info.update(
            period=f"{t0.date()} to {datetime.now().date()}",
            sizes={key: getattr(args, key) for key in ("leads", "partners", "users",
                   "teams", "key_results", "tickets", "orders", "seed")},
            kinds=[kind for kind in key_results.KINDS
                   if any(p.kind == kind for p in plan)],
            ticket_key_results=sum(key_results.KINDS[p.kind].get("helpdesk", False)
                                   for p in plan),
            order_key_results=sum(key_results.KINDS[p.kind].get("sale", False)
                                  for p in plan),
            key_result_levels={level: sum(p.level == level for p in plan)
                               for level in key_results.LEVELS},
            setup=", ".join(steps),
            rollups=args.rollups,
        )  # fmt: skip
        if "write" in args.only:
            log("measure 1: write overhead")
            registries = {label: db.registry(names[label]) for label in report.LABELS}
            results["write"] = measure_write.run(registries, picked, args, log)
            checkpoint()
        if "concurrency" in args.only:
            log("measure 3: concurrency")
            results["concurrency"] = measure_concurrency.run(
                names, picked["concurrency"], args, db.server_command(), logdir, log
            )
            results["concurrency_check"] = {
                label: measure_concurrency.check_company_key_results(
                    db.registry(names[label], reopen=True), plan
                )
                for label in ("okr", "bg")
                if label in results["concurrency"]
            }
            checkpoint()
        if "recompute" in args.only:
            log("measure 2: full recompute (gamification installed in crm alone)")
            db.install(names["crm"], "gamification", logfile)
            results["recompute"] = measure_recompute.run(
                db.registry(names["okr"]), db.registry(names["crm"]), plan, args, log
            )
    finally:
        if not args.keep_db:
            log(f"dropping {', '.join(names.values())}")
            db.drop(*names.values())

    results["sizes"] = info["sizes"]
    for operation in results.get("write", {}).values():
        for label, runs in operation.items():
            operation[label] = measure_write.median_figure(runs)
    sections = [report.header(info)]
    if "write" in results:
        sections.append(report.write_table(results["write"], args, info))
    if "recompute" in results:
        sections.append(report.recompute_table(results["recompute"]))
    if "concurrency" in results:
        check = results["concurrency_check"]
        sections.append(
            report.concurrency_table(results["concurrency"], check, args, info)
        )
    if args.baseline and "write" in results:
        sections.append(report.scale_table(report.load(args.baseline), results))
    minutes = (time.perf_counter() - started) / 60
    sections.append(
        f"total {minutes:.1f} min; load average at the end {report.load_average()}; "
        f"Odoo log {logfile}"
    )
    checkpoint()
    print("\n\n".join(sections), flush=True)
    if args.strict:
        check_strict(results)


def check_strict(results):
    """``--strict``: exit with a message on a client-visible error or a
    value a full recompute corrects, in measure 3."""
    if "concurrency" not in results:
        return
    wrong = [
        f"{label}: {figures['errors']} client-visible errors"
        for label, figures in results["concurrency"].items()
        if figures["errors"]
    ] + [
        f"{label}: {check['drifted']} company key results drifted"
        for label, check in results["concurrency_check"].items()
        if check["drifted"] or not check["equal"]
    ]
    if wrong:
        raise SystemExit("--strict: " + "; ".join(wrong))


if __name__ == "__main__":
    main()
