"""Measure 3: concurrent wins against a real Odoo server.

Odoo runs as a server (`odoo -d <db> --workers=4 --max-cron-threads=0` on free
ports), once per database. Client processes (multiprocessing, spawned) log in
as admin and each wins its own distinct open deals as fast as it can, one
JSON-RPC `execute_kw(crm.lead, action_set_won, [[id]])` at a time, all at
once: every deal feeds the same company-level key results, so their rows are
hot. Odoo retries a transaction that hits a serialization failure up to 5
times (with random backoff); what is left reaches the client as an error.

The databases with okr_sales get one cron worker (`--max-cron-threads=1`), as
README's "Deployment" asks: in the background mode (okr_sales.update_mode) it
processes the queue as the deals are won; in the default mode it takes what
the processing right after a deal's commit hands over (a request drains the
queue for at most a moment). After each run, the time until the queue is
empty is the catch-up. crm alone runs no cron.

With `--servers N`, each database is served by N Odoo servers of `--workers`
workers each (several machines behind a load balancer, on one database), the
clients spread over them; only the first runs the cron worker. With
`--pgbouncer`, the servers reach PostgreSQL through Debian's `pgbouncer` in
transaction pooling mode, with fewer server connections than Odoo opens:
consecutive transactions of one Odoo connection land on different PostgreSQL
sessions, and prepared statements with them. The scheduler's wake-up (LISTEN)
does not pass transaction pooling: the background mode's database is left
out of such a run (README, "Deployment").

Figures: wins per second (wall time of all clients; median of the runs),
latency (p50, p95, max), client-visible errors (count, first message), server-side
retries (counted in the server log), and whether the company key results
still equal a full recompute afterwards.

Only the standard library and requests are imported at the top: the client
processes import this module.
"""

import contextlib
import itertools
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

PASSWORD = "admin"  # base.user_admin's, in a database without demo data
_ids = itertools.count(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rpc(session, url, service, method, *args):
    """Call the JSON-RPC service; returns (result, error message or None)."""
    params = {"service": service, "method": method, "args": args}
    payload = {"jsonrpc": "2.0", "method": "call", "id": next(_ids), "params": params}
    body = session.post(f"{url}/jsonrpc", json=payload, timeout=600).json()
    if "error" in body:
        error = body["error"]
        data = error.get("data") or {}
        message = data.get("message") or error["message"]
        return None, f"{data.get('name', '?')}: {message}"
    return body["result"], None


def execute_kw(session, url, db, uid, model, method, *args):
    """`model.method(*args)` as admin over JSON-RPC: (result, error or None)."""
    call = (db, uid, PASSWORD, model, method, list(args))
    return rpc(session, url, "object", "execute_kw", *call)


def client(url, db, uid, lead_ids, start, results):
    """One client process: win `lead_ids` one by one, once `start` is passed."""
    session = requests.Session()
    ok, errors, latencies = 0, [], []
    start.wait()
    for lead_id in lead_ids:
        sent = time.time()
        try:
            _result, error = execute_kw(
                session, url, db, uid, "crm.lead", "action_set_won", [lead_id]
            )
        except Exception as exc:  # noqa: BLE001 - an error to count, not a crash
            error = f"{exc.__class__.__name__}: {exc}"
        latencies.append(time.time() - sent)
        if error:
            errors.append(error)
        else:
            ok += 1
    results.put(
        {"ok": ok, "errors": errors, "latencies": latencies, "end": time.time()}
    )


class PgBouncer:
    """Debian's `pgbouncer` in transaction pooling mode on a free port, in
    front of PostgreSQL at `host`:`port`, with `pool_size` server connections
    per database; stopped on exit. Root cannot run it: it then runs as the
    `postgres` system user."""

    def __init__(self, host, port, user, pool_size, logdir):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="okr-pgbouncer-")
        self.logfile = os.path.join(logdir, "bench-pgbouncer.log")
        target = f"host={host or '127.0.0.1'} port={port or 5432}"
        if user:
            target += f" user={user}"
        self.ini = os.path.join(self.workdir, "pgbouncer.ini")
        with open(self.ini, "w") as ini:
            ini.write(
                f"[databases]\n* = {target}\n"
                "[pgbouncer]\n"
                f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
                f"unix_socket_dir = {self.workdir}\n"
                "auth_type = any\npool_mode = transaction\n"
                f"default_pool_size = {pool_size}\nmax_client_conn = 2000\n"
                "max_db_connections = 0\nserver_reset_query =\n"
                f"logfile = {self.workdir}/pgbouncer.log\n"
                f"pidfile = {self.workdir}/pgbouncer.pid\n"
            )

    def __enter__(self):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            raise RuntimeError(
                "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
            )
        command = [binary, self.ini]
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
            os.chmod(self.workdir, 0o755)
            command[1:1] = ["-u", "postgres"]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        f"pgbouncer did not start; see {self.workdir}/pgbouncer.log"
                    ) from None
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        log = os.path.join(self.workdir, "pgbouncer.log")
        if os.path.exists(log):
            shutil.copy(log, self.logfile)
        shutil.rmtree(self.workdir, ignore_errors=True)


class Server:
    """`odoo -d db --workers=N` on free ports, stopped on exit."""

    def __init__(self, command, db, workers, logfile, cron_threads=0, db_port=None):
        self.db, self.logfile = db, logfile
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.command = [
            *command, "-d", db, f"--db-filter=^{db}$", f"--workers={workers}",
            f"--max-cron-threads={cron_threads}", "--http-interface=127.0.0.1",
            f"--http-port={port}", f"--gevent-port={free_port()}",
            f"--logfile={logfile}",
        ]  # fmt: skip
        if db_port:  # through pgbouncer
            self.command += ["--db_host=127.0.0.1", f"--db_port={db_port}"]

    def __enter__(self):
        if os.path.exists(self.logfile):
            os.unlink(self.logfile)
        with open(self.logfile, "a") as output:  # Odoo's prints, and its log
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        session = requests.Session()
        deadline = time.time() + 120
        while True:
            try:
                rpc(session, self.url, "common", "version")
                break
            except requests.RequestException as exc:
                if self.process.poll() is not None or time.time() > deadline:
                    message = f"Odoo did not start; see {self.logfile}"
                    raise RuntimeError(message) from exc
                time.sleep(0.5)
        self.uid, error = rpc(
            session, self.url, "common", "login", self.db, "admin", PASSWORD
        )
        if error or not self.uid:
            raise RuntimeError(f"cannot log in as admin: {error}")
        # Each worker loads the registry at its first request: not timed.
        call = (requests, self.url, self.db, self.uid, "crm.lead", "search_count", [])
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: execute_kw(*call), range(24)))
        return self

    def __exit__(self, *exc):
        self.process.terminate()  # the master stops its workers
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_counts(self):
        retries = gave_up = 0
        with open(self.logfile, errors="replace") as log:
            for line in log:
                retries += "tries left, try again" in line
                gave_up += "maximum number of tries reached" in line
        return retries, gave_up


def one_run(servers, lead_ids, n_clients):
    """The clients win `lead_ids` at once, spread over `servers`."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    start = ctx.Barrier(n_clients + 1)  # the clients start together
    chunks = [lead_ids[i::n_clients] for i in range(n_clients)]
    processes = [
        ctx.Process(
            target=client,
            args=(server.url, server.db, server.uid, chunk, start, results),
        )
        for server, chunk in zip(itertools.cycle(servers), chunks)
    ]
    for process in processes:
        process.start()
    start.wait()
    start_at = time.time()
    outcomes = [results.get(timeout=4 * 3600) for _ in processes]
    for process in processes:
        process.join()
    end = max(o["end"] for o in outcomes)
    wall = end - start_at
    ok = sum(o["ok"] for o in outcomes)
    errors = [e for o in outcomes for e in o["errors"]]
    latencies = sorted(lat for o in outcomes for lat in o["latencies"])
    return {
        "wins": ok,
        "seconds": wall,
        "throughput": ok / wall,
        "errors": errors,
        "p50": latencies[len(latencies) // 2],
        "p95": latencies[int(len(latencies) * 0.95)],
        "max": latencies[-1],
        "end": end,
    }


def wait_for_queue(db, since, timeout=600):
    """Seconds from `since` until the queue of okr_sales is
    empty (polled every 10 ms), and the queue's length at the first look."""
    from contextlib import closing  # noqa: PLC0415

    from .db import pg_connect  # noqa: PLC0415 - imports Odoo

    first = None
    with closing(pg_connect(db)) as conn, conn.cursor() as cr:
        while time.time() - since < timeout:
            cr.execute("SELECT count(*) FROM okr_pending_change")
            queued = cr.fetchone()[0]
            first = queued if first is None else first
            if not queued:
                return time.time() - since, first
            time.sleep(0.01)
    raise RuntimeError(f"{db}: changes still queued after {timeout} s")


def topology(args):
    """How measure 3 reaches the databases, in words."""
    servers = getattr(args, "servers", 1)
    words = (
        f"odoo --workers={args.workers}"
        if servers == 1
        else f"{servers} Odoo servers on one database, --workers={args.workers} each"
    )
    if getattr(args, "pgbouncer", False):
        words += (
            f", through pgbouncer (transaction pooling, {args.pgbouncer_pool}"
            " PostgreSQL connections a database)"
        )
    return words


def labels(databases, args):
    """The databases measure 3 runs on: not the background mode's behind
    pgbouncer (its scheduler listens for wake-ups; see the docstring)."""
    if getattr(args, "pgbouncer", False):
        return {label: db for label, db in databases.items() if label != "bg"}
    return databases


def run(databases, lead_ids, args, command, logdir, log):
    """`databases`: {label: db name}; `lead_ids`: runs x clients x wins ids."""
    per_run = args.clients * args.client_wins
    n_servers = getattr(args, "servers", 1)
    results = {}
    with contextlib.ExitStack() as stack:
        db_port = None
        if getattr(args, "pgbouncer", False):
            from odoo.tools import config  # noqa: PLC0415 - imports Odoo

            bouncer = stack.enter_context(
                PgBouncer(
                    config["db_host"],
                    config["db_port"],
                    config["db_user"],
                    args.pgbouncer_pool,
                    logdir,
                )
            )
            db_port = bouncer.port
        for label, db in labels(databases, args).items():
            with contextlib.ExitStack() as servers_stack:
                servers = []
                for index in range(n_servers):
                    logfile = os.path.join(
                        logdir,
                        f"bench-server-{db}"
                        + (f"-{index + 1}" if index else "")
                        + ".log",
                    )
                    cron_threads = 1 if label != "crm" and index == 0 else 0
                    servers.append(
                        servers_stack.enter_context(
                            Server(
                                command,
                                db,
                                args.workers,
                                logfile,
                                cron_threads,
                                db_port,
                            )
                        )
                    )
                runs = []
                for r in range(args.repeat):
                    ids = lead_ids[r * per_run : (r + 1) * per_run]
                    runs.append(one_run(servers, ids, args.clients))
                    if label != "crm":
                        catch_up, queued = wait_for_queue(db, runs[-1]["end"])
                        runs[-1].update(catch_up=catch_up, queued=queued)
                    log(
                        f"{label} run {r + 1}: {runs[-1]['throughput']:.1f} wins/s, "
                        f"{len(runs[-1]['errors'])} errors"
                        + (f", caught up {runs[-1]['catch_up']:.2f} s after the last"
                           f" win" if label != "crm" else "")
                    )  # fmt: skip
            counts = [server.log_counts() for server in servers]
            retries = sum(c[0] for c in counts)
            gave_up = sum(c[1] for c in counts)
            errors = [e for run in runs for e in run["errors"]]
            results[label] = {
                "throughput": statistics.median(run["throughput"] for run in runs),
                "runs": [run["throughput"] for run in runs],
                "seconds": statistics.median(run["seconds"] for run in runs),
                "p50": statistics.median(run["p50"] for run in runs),
                "p95": statistics.median(run["p95"] for run in runs),
                "max": max(run["max"] for run in runs),
                "wins": sum(run["wins"] for run in runs),
                "attempts": per_run * args.repeat,
                "errors": len(errors),
                "first_error": errors[0] if errors else "",
                "retries": retries,
                "gave_up": gave_up,
            }
            if label != "crm":
                results[label]["catch_up"] = statistics.median(
                    run["catch_up"] for run in runs
                )
                results[label]["catch_up_runs"] = [run["catch_up"] for run in runs]
                results[label]["queued"] = max(run["queued"] for run in runs)
    return results


def check_company_key_results(registry, plan):
    """Compare the company key results with a full recompute of them."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    company = [p for p in plan if p.level == "company"]
    headline = next((p for p in company if p.kind == "won_revenue"), company[0])
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        key_result = env["okr.key.result"].browse(headline.kr_id)
        before = key_result.current_value
        drift = env["okr.key.result"]._okr_recompute([p.kr_id for p in company])
        after = key_result.current_value
    return {
        "name": f"{headline.kind} (company, id {headline.kr_id})",
        "value": before,
        "recomputed": after,
        "equal": abs(before - after) <= 0.01,
        "company_krs": len(company),
        "drifted": len(drift),
    }
