"""Run a real Odoo server and talk to it over JSON-RPC, for the end-to-end tests.

Odoo runs as a subprocess: `ODOO_BIN` (default: this Python's `-m odoo`) with the
configuration file `OKR_ODOO_CONF` (addons path, database server), both set by
`make test`. Logs go to .okr/logs/.
"""

import ast
import itertools
import os
import shlex
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / ".okr" / "logs"
SERVER_START_TIMEOUT = 120  # seconds; it answers within seconds on a 2-core machine
RPC_TIMEOUT = 600  # seconds; uninstalling a module reloads the whole registry


class RpcError(Exception):
    """An error answered by the server; `name` is the exception class path."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def repo_addons():
    """{addon: the modules it depends on} for every addon of the repository, the
    folders holding a __manifest__.py (as the Makefile's ADDONS)."""
    return {
        path.parent.name: ast.literal_eval(path.read_text()).get("depends", [])
        for path in sorted(ROOT.glob("*/__manifest__.py"))
    }


def odoo_command(*args, command=()):
    """The command line that runs Odoo (or an Odoo `command`) with the test config."""
    odoo_bin = os.environ.get("ODOO_BIN") or f"{sys.executable} -m odoo"
    conf = os.environ["OKR_ODOO_CONF"]
    return [*shlex.split(odoo_bin), *command, "-c", conf, *args]


def run_odoo(*args, log_name, command=()):
    """Run Odoo to completion, output to .okr/logs/<log_name>; fail if it fails."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / log_name
    cmd = odoo_command(*args, command=command)
    with log.open("w") as out:
        rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT)
    if rc:
        pytest.fail(f"{shlex.join(cmd)} exited {rc}; log: {log}\n{tail(log)}")


def drop_db(name):
    """Drop a database and its filestore."""
    run_odoo("drop", name, command=["db"], log_name=f"drop-{name}.log")


def tail(path, lines=30):
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Rpc:
    """A user's JSON-RPC session: `rpc(model, method, *args, **kwargs)`."""

    _ids = itertools.count(1)

    def __init__(self, url, db, login, password):
        self.url = f"{url}/jsonrpc"
        self.db = db
        self.password = password
        self.uid = self.call("common", "login", db, login, password)
        if not self.uid:
            raise RpcError("login", f"{login!r} cannot log in to {db}")

    def call(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        response = requests.post(self.url, json=payload, timeout=RPC_TIMEOUT)
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            error = body["error"]
            data = error.get("data") or {}
            raise RpcError(data.get("name", "?"), data.get("message", error["message"]))
        return body["result"]

    def __call__(self, model, method, *args, **kwargs):
        return self.call(
            "object", "execute_kw", self.db, self.uid, self.password,
            model, method, list(args), kwargs,
        )  # fmt: skip


class OdooServer:
    """An Odoo HTTP server on a free local port, serving one database."""

    def __init__(self, db, cron_threads=0):
        self.db = db
        self.cron_threads = cron_threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = LOG_DIR / f"e2e-{db}.log"
        self.process = None

    def __enter__(self):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        args = odoo_command(
            "-d", self.db, f"--db-filter=^{self.db}$",
            "--http-interface=127.0.0.1", f"--http-port={self.port}",
            f"--max-cron-threads={self.cron_threads}", f"--logfile={self.log}",
        )  # fmt: skip
        print(f"starting Odoo on {self.url}, log: {self.log}")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Odoo exited {self.process.returncode}:\n{tail(self.log)}")
            try:
                if requests.get(f"{self.url}/web/login", timeout=5).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        self.stop()
        pytest.fail(f"Odoo did not answer /web/login in {SERVER_START_TIMEOUT}s")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def rpc(self, login, password):
        return Rpc(self.url, self.db, login, password)


# Records of the demo the end-to-end tests work on ----------------------------


def record_id(rpc, module, name):
    """The id of the record with xml id ``module.name``."""
    [data] = rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return data["res_id"]


def new_manual_key_result(rpc, name, **values):
    """A manual key result on one of Lan's objectives, made for a test (the
    demo's may be counted from records by a bridge)."""
    return rpc(
        "okr.key.result",
        "create",
        {
            "objective_id": record_id(
                rpc, "okr_sales", "okr_objective_lan_relationships"
            ),
            "name": name,
            **values,
        },
    )


def api_key(test_db, user_xmlid, name):
    """An API key of a demo user, made in the database itself, as her "New
    API Key" dialog makes it (``res.users.apikeys._generate``)."""
    import odoo  # noqa: PLC0415 - only API keys need Odoo in-process
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", os.environ["OKR_ODOO_CONF"]])
    with Registry(test_db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env.ref(user_xmlid)
        return (
            env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, name, datetime.now() + timedelta(days=1))
        )
