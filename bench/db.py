"""The databases of a benchmark run, and Odoo inside this process.

Modules are installed by `odoo -i ... --stop-after-init` subprocesses (no demo
data: the default of Odoo 19). The ORM work of the harness (users, key
results, the measured writes) runs in this process, one registry per
database, after `boot()` has read the Odoo configuration file.
"""

import os
import shlex
import shutil
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import psycopg2
from psycopg2 import sql

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.service.server import load_server_wide_modules
from odoo.tools import config

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / ".okr" / "logs"
# The environment of the setup work: no chatter noise, no mail.
QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


def boot(conf, logfile):
    """Read Odoo's configuration; Odoo logs warnings and errors to `logfile`."""
    args = ["-c", conf, "--max-cron-threads=0", "--log-level=warn"]
    config.parse_config([*args, f"--logfile={logfile}"], setup_logging=True)
    load_server_wide_modules()


def odoo_command(*args):
    """`odoo -c <conf> *args`, with the same Odoo as `make` (ODOO_BIN)."""
    odoo_bin = os.environ.get("ODOO_BIN") or f"{sys.executable} -m odoo"
    return [*shlex.split(odoo_bin), "-c", config["config"], *args]


def server_command():
    """`odoo -c <conf>` for a server with workers (see bench/odoo_server.py)."""
    script = Path(__file__).with_name("odoo_server.py")
    return [sys.executable, str(script), "-c", config["config"]]


def install(db, modules, logfile):
    """Install `modules` in `db` (created when missing), in a subprocess."""
    cmd = odoo_command(
        "-d",
        db,
        "-i",
        modules,
        "--stop-after-init",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={logfile}",
    )
    close(db)  # the registry of this process would be stale
    with open(logfile, "a") as output:  # Odoo's prints; its log goes there too
        status = subprocess.call(
            cmd, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
    if status:
        raise RuntimeError(f"{shlex.join(cmd)} failed; see {logfile}")


def pg_connect(dbname="postgres"):
    conn = psycopg2.connect(
        dbname=dbname,
        host=config["db_host"] or None,
        port=config["db_port"] or None,
        user=config["db_user"] or None,
        password=config["db_password"] or None,
    )
    conn.autocommit = True
    return conn


def clone(template, name):
    """Copy database `template` (and its filestore) to `name`."""
    close(template)
    with closing(pg_connect()) as conn, conn.cursor() as cr:
        cr.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    source = Path(config.filestore(template))
    if source.exists():
        # a leftover of a database of that name dropped without its filestore
        shutil.rmtree(config.filestore(name), ignore_errors=True)
        shutil.copytree(source, config.filestore(name))


def drop(*names):
    with closing(pg_connect()) as conn, conn.cursor() as cr:
        for name in names:
            close(name)
            cr.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )
            shutil.rmtree(config.filestore(name), ignore_errors=True)


def vacuum_analyze(db):
    with closing(pg_connect(db)) as conn, conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE")


def registry(db, reopen=False):
    """This process's registry of `db`; with `reopen`, loaded again (a
    server changed its data meanwhile)."""
    if reopen:
        close(db)
    return Registry(db)


def close(db):
    """Forget this process's registry of `db` and close its connections."""
    Registry.delete(db)
    odoo.sql_db.close_db(db)


def superuser_env(cr):
    return api.Environment(cr, SUPERUSER_ID, dict(QUIET))


def server_version():
    with closing(pg_connect()) as conn, conn.cursor() as cr:
        cr.execute("SHOW server_version")
        return cr.fetchone()[0]
