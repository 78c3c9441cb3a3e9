"""Regenerate the README's screenshots (docs/img/) from a database with demo data.

    python3 tools/screenshots.py --config .okr/odoo.conf --db okr_demo [--out docs/img]

`make screenshots` runs it on a throwaway database (or on SHOTS_DB). It starts
Odoo on a free port, starts headless Chromium (the browser of the tours), logs
in as the demo's users, opens each screen of SHOTS, waits until it is drawn and
saves a 1440x900 PNG. Chromium is driven over the DevTools protocol with the
`websocket-client` package, as Odoo's own browser tests do.

A screen whose optional part is missing (a panel another version adds) is taken
without it; a screen that does not load fails the run, naming it.
"""

import argparse
import base64
import io
import itertools
import json
import os
import shlex
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".okr" / "logs"
WIDTH, HEIGHT = 1440, 900
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
START_TIMEOUT = 120  # seconds for Odoo to answer; a few on a 2-core machine
STEP_TIMEOUT = 30  # seconds for a screen to be drawn
# A screen is drawn when its selector shows and Odoo has nothing in flight.
IDLE = (
    "!document.querySelector('.o_loading_indicator, .o_blockUI, .o_ui_blocked')"
    " && document.readyState === 'complete'"
)

THIRD_ROW = ".o_hierarchy_row ~ .o_hierarchy_row ~ .o_hierarchy_row"
PHONE = {"size": (390, 844), "mobile": True}
VIETNAMESE = {"lang": "vi_VN"}
# (file, login, url, steps[, options]): a step is ("wait", selector),
# ("click", selector) or ("maybe", selector), a part waited for a moment and
# left out when absent. {name} in a url is a record id of okr_sales' demo
# data (xmlid okr_sales.name). Options: "size" and "mobile" (a phone),
# "lang" (the user's language for this screen). A screen that changes the
# data (a deal won) comes last.
SHOTS = (
    (
        "okr_kanban.png",
        "admin",
        # the OKR home: an OKR manager lands on the organisation
        "/odoo/action-okr_sales.okr_objective_action_home",
        [("wait", ".o_kanban_group ~ .o_kanban_group .o_kanban_record")],
    ),
    (
        "objective_form.png",
        "admin",
        "/odoo/action-okr_sales.okr_objective_action/{okr_objective_dept_revenue}",
        [("wait", ".o_field_widget[name=key_result_ids] .o_data_row")],
    ),
    (
        "key_result_dialog.png",
        "admin",
        "/odoo/action-okr_sales.okr_objective_action/{okr_objective_dept_revenue}",
        [
            # A key result row opens in a dialog, with the preset picker.
            ("wait", ".o_field_widget[name=key_result_ids] .o_data_row td[name=name]"),
            ("click", ".o_field_widget[name=key_result_ids] .o_data_row td[name=name]"),
            ("wait", ".modal .o_field_widget[name=preset_description]"),
        ],
    ),
    (
        "alignment.png",
        "admin",
        "/odoo/action-okr_sales.okr_objective_action_alignment",
        [
            # Unfold the first department, then its first team: four levels.
            ("click", ".o_hierarchy_node_button.btn-primary"),
            ("click", f"{THIRD_ROW} .o_hierarchy_node_button.btn-primary"),
            ("wait", f"{THIRD_ROW} ~ .o_hierarchy_row .o_hierarchy_node"),
        ],
    ),
    (
        "key_result_form.png",
        "admin",
        "/odoo/action-okr_sales.okr_key_result_action/{okr_kr_dept_b2b_revenue}",
        [("wait", ".o_form_view .o_field_widget[name=current_value]")],
    ),
    (
        "key_result_chart.png",
        "admin",
        "/odoo/action-okr_sales.okr_key_result_action/{okr_kr_company_revenue}",
        [
            ("wait", ".o_form_view button[name=action_open_history]"),
            ("click", ".o_form_view button[name=action_open_history]"),
            ("wait", ".o_graph_renderer canvas"),
        ],
    ),
    (
        "breakdown_pivot.png",
        "admin",
        "/odoo/action-okr_sales.okr_key_result_action/{okr_kr_dept_b2b_revenue}",
        [
            ("wait", ".o_form_view button[name=action_open_breakdown]"),
            ("click", ".o_form_view button[name=action_open_breakdown]"),
            ("wait", ".o_switch_view.o_pivot"),
            ("click", ".o_switch_view.o_pivot"),
            ("wait", ".o_pivot table"),
        ],
    ),
    (
        "deal_okrs_tab.png",
        "lan",
        "/odoo/crm/{okr_demo_lead_lan_won_thep}",
        [
            ("wait", ".o_notebook_headers a.nav-link[name=okr]"),
            ("click", ".o_notebook_headers a.nav-link[name=okr]"),
            ("wait", ".o_field_widget[name=okr_contribution_ids] .o_data_row"),
        ],
    ),
    (
        "crm_pipeline.png",
        "lan",
        "/odoo/crm",
        [("wait", ".o_kanban_record"), ("wait", ".o_okr_pipeline_panel_kr")],
    ),
    (
        "phone_landing.png",
        "lan",
        "/odoo/action-okr_sales.okr_objective_action_home",
        [("wait", ".o_kanban_record")],
        PHONE,
    ),
    (
        "phone_deal_okrs_tab.png",
        "lan",
        "/odoo/crm/{okr_demo_lead_lan_won_thep}",
        [
            ("wait", ".o_notebook_headers a.nav-link[name=okr]"),
            ("click", ".o_notebook_headers a.nav-link[name=okr]"),
            ("wait", ".o_field_widget[name=okr_contribution_ids] .o_kanban_record"),
        ],
        PHONE,
    ),
    (
        "key_result_form_vi.png",
        "lan",
        "/odoo/action-okr_sales.okr_key_result_action/{okr_kr_lan_revenue}",
        [("wait", ".o_form_view .o_field_widget[name=current_value]")],
        VIETNAMESE,
    ),
    (
        "alignment_warning_vi.png",
        "lan",
        # the seed's 450 + 450 bn under the company's 300 bn
        "/odoo/action-okr_sales.okr_objective_action/{okr_objective_company}",
        [
            (
                "wait",
                ".o_form_view .alert-warning .o_field_widget[name=alignment_warning]",
            )
        ],
        VIETNAMESE,
    ),
    (
        "won_notification.png",
        "lan",
        "/odoo/crm/{okr_demo_lead_lan_open_1}",
        [
            ("wait", ".o_statusbar_buttons button[name=action_set_won_rainbowman]"),
            ("click", ".o_statusbar_buttons button[name=action_set_won_rainbowman]"),
            ("wait", ".o_okr_won_notices .o_notification"),
        ],
    ),
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(what)


class Odoo:
    """Odoo serving one database on a free port, and JSON-RPC sessions on it."""

    def __init__(self, config, db):
        self.db = db
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        odoo_bin = os.environ.get("ODOO_BIN") or f"{sys.executable} -m odoo"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = LOGS / "screenshots-odoo.log"
        self.process = subprocess.Popen(
            [
                *shlex.split(odoo_bin),
                *("-c", config, "-d", db, "--db-filter", f"^{db}$"),
                *("--http-port", port, "--http-interface", "127.0.0.1"),
                "--max-cron-threads=0",
            ],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

        def answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited; log: {self.log}")
            try:
                return requests.get(f"{self.url}/web/login", timeout=5).ok
            except requests.ConnectionError:
                return False

        wait_until(answers, START_TIMEOUT, f"Odoo did not answer; log: {self.log}")

    def session(self, login):
        """The session id of a demo user (password = login, admin's is admin)."""
        session = requests.Session()
        credentials = {"db": self.db, "login": login, "password": login}
        self._call(session, "/web/session/authenticate", **credentials)
        return session

    def _call(self, session, route, **params):
        response = session.post(
            self.url + route,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=60,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(f"{route}: {body['error']['data']['message']}")
        return body["result"]

    def set_lang(self, session, lang):
        """The session's user reads the screens in ``lang``."""
        info = self._call(session, "/web/session/get_session_info")
        self.call(session, "res.users", "write", [info["uid"]], {"lang": lang})

    def install_lang(self, session, lang):
        """``lang`` installed (Odoo's own wizard, as Settings > Languages)."""
        ids = self.call(
            session,
            "res.lang",
            "search",
            [("code", "=", lang), ("active", "in", (True, False))],
        )
        wizard = self.call(
            session, "base.language.install", "create", {"lang_ids": [(6, 0, ids)]}
        )
        self.call(session, "base.language.install", "lang_install", [wizard])

    def call(self, session, model, method, *args):
        return self._call(
            session,
            "/web/dataset/call_kw",
            model=model,
            method=method,
            args=list(args),
            kwargs={},
        )

    def demo_ids(self, session, names):
        rows = self._call(
            session,
            "/web/dataset/call_kw",
            model="ir.model.data",
            method="search_read",
            args=[[("module", "=", "okr_sales"), ("name", "in", sorted(names))]],
            kwargs={"fields": ["name", "res_id"]},
        )
        return {row["name"]: row["res_id"] for row in rows}

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Chromium:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self):
        binary = os.environ.get("ODOO_BROWSER_BIN") or next(
            (path for name in BROWSERS if (path := shutil.which(name))), None
        )
        if not binary:
            raise SystemExit("screenshots: no Chromium (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="okr_shots_")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile, "DevToolsActivePort")
        wait_until(port_file.exists, 30, "Chromium did not start")
        time.sleep(0.2)  # the file is written in two steps
        port = port_file.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(p for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=STEP_TIMEOUT, suppress_origin=True
        )
        self.ids = itertools.count(1)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        """Send a command and return its result (events on the way are dropped)."""
        request_id = next(self.ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def shows(self, selector):
        return bool(
            self.evaluate(
                f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                f" return !!e && e.checkVisibility() && {IDLE}; }})()"
            )
        )

    def stop(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(20)
        shutil.rmtree(self.profile, ignore_errors=True)


def take(browser, odoo, sessions, ids, shot, out):
    name, login, url, steps, options = (*shot, {})[:5]
    width, height = options.get("size", (WIDTH, HEIGHT))
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=options.get("mobile", False),
    )
    lang = options.get("lang")
    if lang:
        odoo.set_lang(sessions[login], lang)
    try:
        _take(browser, odoo, sessions, ids, (name, login, url, steps), out)
    finally:
        if lang:
            odoo.set_lang(sessions[login], "en_US")


def _take(browser, odoo, sessions, ids, shot, out):
    name, login, url, steps = shot
    browser.send("Network.enable")
    browser.send("Network.clearBrowserCookies")
    host = odoo.url.split("//", 1)[1].split(":")[0]
    browser.send(
        "Network.setCookie",
        name="session_id",
        value=sessions[login].cookies["session_id"],
        domain=host,
        path="/",
    )
    browser.send("Page.navigate", url=odoo.url + url.format(**ids))
    for action, selector in steps:
        if action == "maybe":
            try:
                wait_until(lambda s=selector: browser.shows(s), 5, selector)
            except TimeoutError:
                print(f"screenshots: {name}: no {selector} (taken without it)")
            continue
        wait_until(
            lambda s=selector: browser.shows(s), STEP_TIMEOUT, f"{name}: {selector}"
        )
        if action == "click":
            browser.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
    time.sleep(1.0)  # animations (progress bars, charts) end
    wait_until(lambda: browser.evaluate(IDLE), STEP_TIMEOUT, f"{name}: idle")
    data = browser.send("Page.captureScreenshot", format="png")["data"]
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    # 256 colours are plenty for a web form and keep the files small.
    image = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path = out / name
    image.save(path, optimize=True)
    print(f"screenshots: {path} ({path.stat().st_size // 1024} kB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument("--db", required=True, help="database with demo data")
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    odoo = Odoo(args.config, args.db)
    browser = None
    try:
        sessions = {login: odoo.session(login) for login in {s[1] for s in SHOTS}}
        wanted = {
            field
            for shot in SHOTS
            for _text, field, _spec, _conv in string.Formatter().parse(shot[2])
            if field
        }
        ids = odoo.demo_ids(sessions["admin"], wanted)
        missing = wanted - set(ids)
        if missing:
            raise SystemExit(f"screenshots: no demo data in {args.db}: {missing}")
        langs = {shot[4]["lang"] for shot in SHOTS if "lang" in (shot[4:] or [{}])[0]}
        for lang in sorted(langs):
            odoo.install_lang(sessions["admin"], lang)
        browser = Chromium()
        for shot in SHOTS:
            take(browser, odoo, sessions, ids, shot, out)
    finally:
        if browser:
            browser.stop()
        odoo.stop()


if __name__ == "__main__":
    main()
