"""The printed report of a benchmark run: machine, sizes, one table per
measure, targets. Figures are medians of the runs; ratios are okr_sales over
crm alone. Results can be saved as JSON (`--json`) and an earlier run passed
as `--baseline` for measure 4 (the write overhead at two database sizes).
"""

import json
import os
import platform

import odoo.release

# "notes": a write no key result reads must not run the engine (<= 1.05x);
# a ticket closed or rated, with the bridge, against helpdesk alone (issue #10)
TARGETS = {"wins": 1.25, "reassigns": 1.25, "import": 1.5, "notes": 1.05,
           "closes": 1.25, "ratings": 1.25, "orders": 1.25}  # fmt: skip
SCALE_TARGET = 0.10  # measure 4: overhead per operation within 10% across sizes
# the databases: crm alone, with okr_sales, with okr_sales in the background mode
LABELS = ("crm", "okr", "bg")
MODES = {"okr": "in the deal's transaction", "bg": "in the background"}


def machine(pg_version):
    cpu = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        ram_kib = int(meminfo.readline().split()[1])
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram_kib / 2**20:.1f} GiB RAM; "
        f"PostgreSQL {pg_version}; Odoo {odoo.release.version}; "
        f"Python {platform.python_version()}"
    )


def load_average():
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


def table(rows, indent="  "):
    """Rows of cells: the first column left-aligned, the others right-aligned."""
    n = max(map(len, rows))
    rows = [[str(cell) for cell in row] + [""] * (n - len(row)) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(n)]
    return "\n".join(
        indent
        + "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def seconds(value):
    return f"{value:.3f} s" if value < 1 else f"{value:.1f} s"


def ms(value, sign=""):
    return f"{value * 1000:{sign}.1f} ms"


def header(info):
    s, levels = info["sizes"], info["key_result_levels"]
    tickets = (
        f"         {s['tickets']:,} helpdesk tickets (same period, helpdesk teams = "
        f"sales teams) and their ratings; {info['ticket_key_results']} of the key "
        "results measure them"
        if s.get("tickets")
        else "         no helpdesk tickets"
    )
    orders = (
        f"         {s['orders']:,} quotations confirmed per run (two lines each); "
        f"{info.get('order_key_results', 0)} of the key results measure orders"
        if s.get("orders")
        else "         no sales orders"
    )
    return "\n".join(
        [
            f"== okr_sales benchmark, {info['started']}",
            f"machine  {info['machine']}; load average {info['load']}",
            f"sizes    {s['leads']:,} leads/opportunities ({info['period']}), "
            f"{s['partners']:,} customers, {s['users']} salespeople in "
            f"{s['teams']} teams,",
            f"         {s['key_results']} automatic key results for the current "
            f"year (company {levels['company']}, team {levels['team']}, "
            f"individual {levels['individual']})",
            tickets,
            orders,
            f"         measuring {', '.join(info['kinds'])}",
            "         roll-ups: each team's sum of its salespeople's amounts, the "
            "department's of the teams', the company's of the department's, and "
            "each team's share of salespeople at target"
            if info.get("rollups")
            else "         no roll-ups",
            f"runs     median of {info['repeat']}; seed {s['seed']}; databases "
            f"{info['databases']['okr']} ({with_okr_sales(info)}), "
            f"{info['databases']['bg']} (the same, updating in the background), "
            f"{info['databases']['crm']} ({baseline_name(info)})",
            f"setup    {info['setup']}",
        ]
    )


def baseline_name(info):
    """What okr_sales is compared with: crm, and helpdesk when it is there."""
    return (info or {}).get("baseline", "crm alone")


def with_okr_sales(info):
    """The baseline's modules with okr_sales and the bridges to them."""
    parts = baseline_name(info).removesuffix(" alone").split(" + ")
    bridges = {"helpdesk": "okr_sales_helpdesk", "sale": "okr_sales_sale"}
    return " + ".join(
        parts + ["okr_sales"] + [bridges[part] for part in parts if part in bridges]
    )


def write_table(results, args, info=None):
    """Measure 1: one line per operation, with per-operation figures; with
    tickets, whether a ticket closed costs no more than a deal won (issue
    #10), compared as ratios: each to the same baseline database."""
    names = {
        "wins": f"{args.wins:,} wins (action_set_won), 1 transaction each",
        "reassigns": f"{args.reassigns:,} reassigns (write user_id), 1 tx each",
        "import": f"import {args.imports:,} leads (load), 1 transaction",
        "notes": f"{args.reassigns:,} writes no key result reads (description,"
        " priority), 1 tx each",
        "closes": f"{args.closes:,} tickets closed (write stage_id Done), 1 tx each",
        "ratings": f"{args.ratings:,} tickets rated (rating_apply), 1 tx each",
        "orders": f"{args.orders:,} quotations confirmed (action_confirm), 1 tx each",
    }
    rows = [
        ["operation", "key results updated", baseline_name(info), "okr_sales", "ratio",
         "target", "", "per operation", "added", "SQL queries", "SQL time",
         "then caught up in"]
    ]  # fmt: skip
    runs = []
    for operation, name in names.items():
        if operation not in results:  # results saved before it was measured
            continue
        crm = results[operation]["crm"]
        for label, mode in MODES.items():
            okr = results[operation][label]
            ratio, target = okr["seconds"] / crm["seconds"], TARGETS[operation]
            n = okr["count"]
            catch_up = (
                f"{seconds(okr['catch_up'])} ({okr['queued']:,} queued changes)"
                if "catch_up" in okr
                else ""
            )
            rows.append(
                [
                    name if label == "okr" else "", mode,
                    seconds(crm["seconds"]), seconds(okr["seconds"]),
                    f"{ratio:.2f}x", f"<= {target}x",
                    "ok" if ratio <= target else "MISSED",
                    f"{ms(crm['seconds'] / n)} -> {ms(okr['seconds'] / n)}",
                    ms((okr["seconds"] - crm["seconds"]) / n, "+"),
                    f"{crm['queries'] / n:.0f} -> {okr['queries'] / n:.0f}",
                    f"{ms(crm['sql_seconds'] / n)} -> {ms(okr['sql_seconds'] / n)}",
                    catch_up,
                ]
            )  # fmt: skip
        runs.append(
            f"{operation} "
            + " / ".join(
                ", ".join(f"{t:.1f}" for t in results[operation][label]["runs"])
                for label in LABELS
            )
        )
    lines = [
        "Measure 1: write overhead, as admin (uid 2); per operation: per win, "
        "per reassign, per imported lead, per ticket, per order",
        table(rows),
        f"  each run (s, {baseline_name(info)} / okr_sales in the deal's "
        f"transaction / in the background): {'; '.join(runs)}",
    ]
    for operation, noun in (
        ("closes", "a ticket closed"),
        ("orders", "an order confirmed"),
    ):
        if operation in results and "wins" in results:
            lines += against_win(results, operation, noun)
    return "\n".join(lines)


def against_win(results, operation, noun):
    """The lines "<noun> costs no more than a deal won", per mode."""
    lines = []
    short = noun.split()[1]
    for label, mode in MODES.items():
        ratio = {}
        for op in (operation, "wins"):
            by = results[op]
            ratio[op] = by[label]["seconds"] / by["crm"]["seconds"]
        added = added_per_operation(
            {op: results[op] for op in (operation, "wins")}, label
        )
        met = ratio[operation] <= ratio["wins"]
        lines.append(
            f"  {noun} costs no more than a deal won ({mode}): "
            f"{ratio[operation]:.2f}x against {ratio['wins']:.2f}x "
            f"({ms(added[operation], '+')} {'an' if short[0] in 'aeiou' else 'a'} "
            f"{short}, {ms(added['wins'], '+')} a win): {'met' if met else 'MISSED'}"
        )
    return lines


def recompute_table(r):
    floor, n = r["sql_floor"]["seconds"], r["countable"]
    lines = [
        ("okr_sales ProgressEngine.recompute(), all key results",
         f"{r['key_results']} KRs", r["engine_all"], ""),
        ("okr_sales ProgressEngine.recompute(), the count/sum KRs",
         f"{n} KRs", r["engine_countable"], "(reference)"),
        ("gamification goal.update_goal(), goal by goal",
         f"{n} goals", r["gamification_goal"], f"{r['agree_goal']}/{n}"),
        (f"gamification update_goal(), batch mode ({r['definitions']} definitions)",
         f"{n} goals", r["gamification_batch"], f"{r['agree_batch']}/{n}"),
        ("SQL floor: one grouped query (GROUPING SETS)",
         "same counts/sums", r["sql_floor"], f"{r['agree_sql']}/{n}"),
    ]  # fmt: skip
    rows = [["method", "computes", "time", "vs SQL floor", "values = KRs'"]]
    for name, computes, figure, agree in lines:
        ratio = figure["seconds"] / floor
        rows.append(
            [name, computes, seconds(figure["seconds"]), f"{ratio:,.0f}x", agree]
        )
    return "\n".join(
        [
            "Measure 2: full recompute of the current year, as superuser",
            table(rows),
            f"  peak RSS of the recompute of all key results: "
            f"{r['rss_peak_mib']:.0f} MiB (the process held "
            f"{r['rss_before_mib']:.0f} MiB before: "
            f"+{r['rss_peak_mib'] - r['rss_before_mib']:.0f} MiB)",
            f"  drift the first recompute corrected (left by the measures before "
            f"it): {r['drift']} key results",
        ]
    )


def concurrency_table(r, checks, args, info=None):
    from .measure_concurrency import topology  # noqa: PLC0415

    measured = [label for label in LABELS if label in r]
    crm = r["crm"]
    names = {"crm": baseline_name(info), "okr": "okr_sales",
             "bg": "okr_sales in the background"}  # fmt: skip

    def latency(figures):
        return " / ".join(ms(figures[key]) for key in ("p50", "p95", "max"))

    def ratio(figures):
        return f"{figures['throughput'] / crm['throughput']:.2f}x"

    def row(name, key):
        return [name, *(str(r[label][key]) for label in measured)]

    def caught_up(label):
        if label == "crm":
            return ""
        bg = r[label]
        if not bg.get("queued"):
            return "at once"  # nothing was ever left queued after a run
        runs = ", ".join(f"{t:.2f}" for t in bg.get("catch_up_runs", []))
        return (
            f"{seconds(bg['catch_up'])} (median of runs: {runs} s; at most "
            f"{bg['queued']} changes queued then)"
        )

    rows = [
        ["", *(names[label] for label in measured)],
        ["throughput (wins/s)",
         *(f"{r[label]['throughput']:.1f}" for label in measured)],
        [f"ratio to {baseline_name(info)} (target >= 0.8x)",
         *("" if label == "crm" else ratio(r[label]) for label in measured)],
        ["wall time per run", *(seconds(r[label]["seconds"]) for label in measured)],
        ["latency p50 / p95 / max", *(latency(r[label]) for label in measured)],
        ["wins done / attempted",
         *(f"{r[label]['wins']}/{r[label]['attempts']}" for label in measured)],
        row("client-visible errors", "errors"),
        row("serialization failures retried (server log)", "retries"),
        row("requests out of retries (server log)", "gave_up"),
        ["key results caught up after the last win",
         *(caught_up(label) for label in measured)],
    ]  # fmt: skip
    runs = " / ".join(
        ", ".join(f"{t:.1f}" for t in r[label]["runs"]) for label in measured
    )
    lines = [
        f"Measure 3: concurrency, {args.clients} clients x {args.client_wins} wins "
        f"(JSON-RPC execute_kw as admin), {topology(args)}"
        + (" (and one cron worker with okr_sales)" if "okr" in r else ""),
        table(rows),
        f"  each run (wins/s, {' / '.join(names[label] for label in measured)}): "
        f"{runs}",
    ]
    if "bg" not in r and getattr(args, "pgbouncer", False):
        lines.append(
            "  the background mode is left out: its scheduler's wake-up does not "
            "pass transaction pooling"
        )
    for label in measured:
        if r[label]["first_error"]:
            lines.append(
                f"  first error ({names[label]}): {r[label]['first_error'][:300]}"
            )
    for label, check in checks.items():
        lines.append(
            f"  {MODES[label]}: company key result {check['name']}: "
            f"{check['value']:,.2f}; a full recompute gives "
            f"{check['recomputed']:,.2f}: "
            f"{'equal' if check['equal'] else 'DIFFERENT'} ({check['drifted']} of "
            f"{check['company_krs']} company key results drifted)"
        )
    return "\n".join(lines)


def added_per_operation(write_results, label="okr"):
    """{operation: seconds okr_sales adds per operation (per lead for import)}."""
    return {
        operation: (by[label]["seconds"] - by["crm"]["seconds"]) / by[label]["count"]
        for operation, by in write_results.items()
    }


def scale_table(baseline, current):
    """Measure 4: time added per operation at the baseline's size and this one's,
    in each mode both runs measured."""
    n0, n1 = baseline["sizes"]["leads"], current["sizes"]["leads"]
    rows = [
        ["time okr_sales adds", "key results updated", f"at {n0:,} leads",
         f"at {n1:,} leads", "change", ""]
    ]  # fmt: skip
    for label, mode in MODES.items():
        if (
            label not in baseline["write"]["wins"]
            or label not in current["write"]["wins"]
        ):
            continue
        before = added_per_operation(baseline["write"], label)
        after = added_per_operation(current["write"], label)
        for operation, name in (("wins", "per win"), ("reassigns", "per reassign"),
                                ("import", "per imported lead")):  # fmt: skip
            change = (after[operation] - before[operation]) / abs(before[operation])
            verdict = "ok" if change <= SCALE_TARGET else "MISSED"
            rows.append(
                [name, mode, ms(before[operation], "+"), ms(after[operation], "+"),
                 f"{change:+.0%}", f"{verdict} (target <= +{SCALE_TARGET:.0%})"]
            )  # fmt: skip
    return "\n".join(
        ["Measure 4: write overhead of okr_sales by database size", table(rows)]
    )


def save(path, data):
    with open(path, "w") as out:
        json.dump(data, out, indent=1, default=str)


def load(path):
    with open(path) as source:
        return json.load(source)
