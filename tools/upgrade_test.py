"""An upgrade from the previous release, tested (`make upgrade-test`).

A customer's database was made by a release, not by the working tree: what
`make test` proves of a fresh install says nothing of the migrations. So:

1. Resolve the release (`--from`, a git tag, else RELEASES below: CI clones
   may lack tags) and extract its tree with `git archive` into a temporary
   folder.
2. Install the release's addons with demo data in a throwaway database,
   with the release's code alone in the addons path, then live in it a
   little with that code (`in_odoo_lived_in`): a demo deal won on the company's
   1 January at 00:30 in Hanoi, where the company's partner is set (31
   December in UTC: migration 19.0.1.7.0 counts it in this year), a
   check-in dated three days ahead (allowed then, migration 19.0.1.6.0
   redates it), then one dated today.
3. Record, with the release's code, every objective, key result, check-in,
   history point and contribution (`_snapshot`: JSON keyed by xml id, else by
   objective and key result names, so that the two sides meet).
4. Upgrade with the working tree's addons (`-u`); any ERROR, CRITICAL or
   traceback in its log fails.
5. Record again with the new code and compare (`compare`): nothing lost,
   values equal to the cent, except what a migration says it changes
   (MIGRATIONS, read from their docstrings): each such difference is listed
   with the migration that means it; any other fails.
6. Every stored computed field of objectives, key results and check-ins,
   and every one these addons add to other models (a deal's, a ticket's, a
   survey answer's), holds what the new code computes (`_stale_fields`: a
   compute changed without a migration recomputing it leaves stale values,
   which a fresh install never shows). Every automatic key result equals a
   rebuild (`in_odoo_rebuild`): the nightly check on running periods finds
   no drift, then the engine's stored state is erased (contributions,
   period totals, values: as the addon's tests' `_erase_engine_state`) and
   rebuilt from the records (`_okr_recompute(ids, rebuild=True)`); values
   and contributions must equal the upgraded ones. Rolled back: nothing is
   kept.
7. Print a summary; exit 0 if all held, else 1. The databases are dropped
   on exit, also on failure or Ctrl-C, unless `--keep-db`.

The functions named `in_odoo_*` run inside `odoo shell` (this file is
loaded there by path): stdlib only at the top of this module.

Usage (the Makefile's `upgrade-test`):

    python3 tools/upgrade_test.py --config .okr/odoo.conf [--from 19.0.1.4.0]
"""

import argparse
import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OKR_DB = [sys.executable, str(ROOT / "tools" / "okr_db.py")]
DEFAULT_RELEASE = "19.0.1.4.0"
# Releases by tag, for clones without tags: the commit each was made from.
RELEASES = {"19.0.1.4.0": "414be3317701d0ee97dee4ace55709fcddd19b68"}
INSTALL = "crm,okr_sales,okr_sales_helpdesk,okr_sales_survey,helpdesk_mgmt_merge"
UPGRADE = "okr_sales,okr_sales_helpdesk,okr_sales_survey"
# What the migrations after 19.0.1.4.0 mean to change (their docstrings), by
# the label the differences they allow are listed under.
MIG_CHECKIN_DAY = "okr_sales 19.0.1.6.0"
MIG_COMPANY_DAY = "okr_sales 19.0.1.7.0"
MIG_STATUSES = "okr_sales 19.0.1.8.0"
MIG_SOLVED_TIME = "okr_sales_helpdesk 19.0.1.1.0"
MIGRATIONS = {
    MIG_CHECKIN_DAY: "a check-in dated after today is dated on the day it was"
    " made (today at the latest); its key result takes its latest check-in's"
    " value again",
    MIG_COMPANY_DAY: "automatic key results count a record dated by a datetime"
    " on its company's day, not on UTC's",
    MIG_STATUSES: "the statuses of running periods are taken again (no status"
    " before any data), and the alignment warnings' kinds of all (a scope"
    " narrower than the level is no longer one)",
    MIG_SOLVED_TIME: "tickets' solved time is read from the chatter's tracking;"
    " the key results counting tickets are totalled again",
}
KINDS = ("objectives", "key_results", "checkins", "history", "contributions")
ONE = {
    "objectives": "objective",
    "key_results": "key result",
    "checkins": "check-in",
    "history": "history point",
    "contributions": "contribution",
}
AUTOMATIC = ("automatic", "linked")  # the engine's COUNTING_SOURCES
ROLLUP = "rollup"
# What a key result holds and what the migrations may move, field by field.
KR_VALUES = ("current_value", "progress")
# A line of Odoo's log at level ERROR or CRITICAL, or a traceback.
LOG_PROBLEM = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?:ERROR|CRITICAL) "
    r"|^Traceback \(most recent call last\)"
)
ERASED = -999999.0
HANOI = "Asia/Ho_Chi_Minh"  # as okr_sales/tests/common.py: a value no key result has


class ToolError(Exception):
    """A step that could not run; its message says why."""


# ----------------------------------------------------------------------
# The release
# ----------------------------------------------------------------------


def git(*args):
    """git's output in the repository, or None when the command fails."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def resolve_release(release, run_git=git, known=RELEASES):
    """The full commit sha of `release`: its tag, else its entry in `known`
    when that commit is in the clone. Raises ToolError saying why not."""
    sha = run_git("rev-parse", "--verify", "--quiet", f"refs/tags/{release}^{{commit}}")
    if sha:
        return sha
    sha = known.get(release)
    if not sha:
        raise ToolError(
            f"release {release}: no such tag, and not in the tool's RELEASES"
            f" ({', '.join(sorted(known)) or 'none'})"
        )
    if run_git("cat-file", "-e", f"{sha}^{{commit}}") is None:
        raise ToolError(
            f"release {release}: no tag, and its commit {sha} is not in this clone"
            " (a shallow clone? fetch it: git fetch --tags --unshallow)"
        )
    return sha


def extract(sha, folder):
    """The tree of commit `sha` written into `folder` (git archive | tar)."""
    archive = subprocess.Popen(
        ["git", "-C", str(ROOT), "archive", sha], stdout=subprocess.PIPE
    )
    tar = subprocess.run(["tar", "-x", "-C", str(folder)], stdin=archive.stdout)
    archive.stdout.close()
    if archive.wait() or tar.returncode:
        raise ToolError(f"git archive {sha} | tar -x failed")


# ----------------------------------------------------------------------
# Odoo, run as a subprocess
# ----------------------------------------------------------------------

COPIED_OPTIONS = ("db_host", "db_port", "db_user", "db_password", "data_dir")


def read_options(config):
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(config):
        raise ToolError(f"{config}: not found (make setup writes it)")
    return dict(parser["options"]) if parser.has_section("options") else {}


def write_config(options, addons_path, path):
    """An odoo.conf with the database options of `options` and this addons
    path only (the standard addons and the OCA wheels are found anyway)."""
    lines = ["[options]", f"addons_path = {addons_path}"]
    lines += [f"{key} = {options[key]}" for key in COPIED_OPTIONS if options.get(key)]
    Path(path).write_text("\n".join(lines) + "\n")
    return str(path)


def log_problems(text):
    """The lines of an Odoo log that say ERROR, CRITICAL or Traceback."""
    return [line for line in text.splitlines() if LOG_PROBLEM.match(line)]


def run_odoo(conf, db, args, log, stdin=None):
    """Run `python3 -m odoo` (a subcommand first in `args`, if any); return
    its log's text. Raises ToolError on a non-zero exit or a logged error."""
    subcommand = args[:1] if args[:1] == ["shell"] else []
    command = [sys.executable, "-m", "odoo", *subcommand, "-c", conf, "-d", db]
    command += [*args[len(subcommand) :], "--no-http"]
    with open(log, "w") as out:
        code = subprocess.run(
            command, stdin=stdin, stdout=out, stderr=subprocess.STDOUT, check=False
        ).returncode
    text = Path(log).read_text()
    problems = log_problems(text)
    if code or problems:
        shown = "\n    ".join(problems[:10]) or text[-2000:]
        raise ToolError(f"{' '.join(args[:3])}... exit {code}, log {log}:\n    {shown}")
    return text


def in_shell(conf, db, function, output, log, **kwargs):
    """Run this module's `function(env, output, **kwargs)` in `odoo shell`
    and return what it wrote to `output` (JSON)."""
    script = (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('upgrade_test', {__file__!r})\n"
        "tool = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(tool)\n"
        f"tool.{function}(env, {str(output)!r}, **{kwargs!r})\n"
    )
    Path(output).unlink(missing_ok=True)
    with tempfile.TemporaryFile("w+") as stdin:
        stdin.write(script)
        stdin.seek(0)
        run_odoo(conf, db, ["shell", "--log-level=warn"], log, stdin=stdin)
    if not Path(output).exists():
        raise ToolError(f"odoo shell {function} on {db} wrote nothing (log {log})")
    return json.loads(Path(output).read_text())


# ----------------------------------------------------------------------
# Inside odoo shell (the release's code or the working tree's)
# ----------------------------------------------------------------------


def _company_tz(company):
    """The company's time zone: its own (19.0.1.7.0 on), else as it reads
    it: its partner's, else its country's single one, else UTC."""
    if hasattr(company, "_okr_tz"):
        return company._okr_tz()
    import pytz  # noqa: PLC0415 - inside Odoo only

    partner = company.partner_id
    if partner.tz in pytz.all_timezones_set:
        return partner.tz
    zones = pytz.country_timezones.get(partner.country_id.code or "") or []
    return zones[0] if len(zones) == 1 else "UTC"


def _local(moment, tz_name):
    """A naive UTC datetime as a naive datetime of `tz_name`."""
    import pytz  # noqa: PLC0415 - inside Odoo only

    return pytz.utc.localize(moment).astimezone(pytz.timezone(tz_name))


def _company_today(company):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return _local(now, _company_tz(company)).date()


def in_odoo_lived_in(env, output):
    """With the release's code: a demo deal won on the company's 1 January
    at 00:30, a check-in dated three days ahead, then one dated today."""
    import pytz  # noqa: PLC0415 - inside Odoo only

    done = []
    company = env.ref("base.main_company")
    # The demo's people work in Hanoi: so does their company from now on
    # (the release reads UTC's days; 19.0.1.7.0 its partner's time zone).
    company.partner_id.tz = HANOI
    tz_name = HANOI
    done.append(f"the company's partner in {HANOI}")
    today = _company_today(company)
    data = env["ir.model.data"].search(
        [("module", "=", "okr_sales"), ("model", "=", "crm.lead")], order="name"
    )
    leads = env["crm.lead"].browse(data.mapped("res_id")).exists()
    lead = leads.filtered(
        lambda lead: (
            lead.active
            and lead.type == "opportunity"
            and lead.user_id
            and not lead.stage_id.is_won
            and lead.probability < 100
        )
    )[:1]
    if lead:
        new_year = pytz.timezone(tz_name).localize(datetime(today.year, 1, 1, 0, 30))
        # an old deal, made a month before it was won (its days to close)
        env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s",
            (new_year.replace(tzinfo=None) - timedelta(days=30), lead.id),
        )
        lead.invalidate_recordset(["create_date"])
        lead.action_set_won()
        env.cr.commit()
        lead.date_closed = new_year.astimezone(pytz.utc).replace(tzinfo=None)
        env.cr.commit()
        done.append(f"won {lead.name!r}, closed {new_year} ({tz_name})")
    KeyResult = env["okr.key.result"]
    manual = KeyResult.search(
        [
            ("source", "=", "manual"),
            ("date_start", "<=", today),
            ("date_end", ">=", today + timedelta(days=3)),
        ],
        order="id",
        limit=1,
    )
    if manual:
        step = (manual.target_value - manual.baseline_value) / 10
        value = manual.current_value
        for days, steps in ((3, 2), (0, 1)):
            env["okr.checkin"].create(
                {
                    "key_result_id": manual.id,
                    "date": today + timedelta(days=days),
                    "value": value + steps * step,
                    "comment": "upgrade test",
                }
            )
            done.append(
                f"checked in {value + steps * step} on {manual.name!r},"
                f" dated {today + timedelta(days=days)}"
            )
        env.cr.commit()
    if hasattr(KeyResult, "_cron_fold_pending"):
        KeyResult._cron_fold_pending()
        env.cr.commit()
    Path(output).write_text(json.dumps(done))


def _xmlids(env, model):
    rows = env["ir.model.data"].search_read(
        [("model", "=", model)], ["module", "name", "res_id"], order="id"
    )
    found = {}
    for row in rows:
        found.setdefault(row["res_id"], f"{row['module']}.{row['name']}")
    return found


def _keys(env, records, natural):
    """{id: key}: the record's xml id, else its natural key, numbered when
    it repeats."""
    xmlids, seen, keys = _xmlids(env, records._name), Counter(), {}
    for record in records.sorted("id"):
        key = xmlids.get(record.id)
        if not key:
            key = natural(record)
            seen[key] += 1
            key = f"{key} ({seen[key]})" if seen[key] > 1 else key
        keys[record.id] = key
    return keys


def _natural_key(record):
    """An objective's name, a key result's objective and name, else the id."""
    if record._name == "okr.objective":
        return record.name
    if record._name == "okr.key.result":
        return f"{record.objective_id.name} / {record.name}"
    return f"{record._name}({record.id})"


def _shifted_records(env, key_results, pairs):
    """{(kr id, model, res id)}: the records a key result counts by a datetime
    that falls on another day in its company's time zone than in UTC."""
    shifted = set()
    by_kr = defaultdict(list)
    for kr_id, model, res_id in pairs:
        by_kr[kr_id].append((model, res_id))
    for kr in key_results:
        field = kr.date_field_id if "date_field_id" in kr._fields else None
        if not (field and by_kr.get(kr.id)):
            continue
        tz_name = _company_tz(kr.company_id)
        for model, res_id in by_kr[kr.id]:
            if model != field.model or field.name not in env[model]._fields:
                continue
            record = env[model].browse(res_id).exists()
            moment = record[field.name] if record else None
            if isinstance(moment, datetime):
                if _local(moment, tz_name).date() != moment.date():
                    shifted.add((kr.id, model, res_id))
    return shifted


def _snapshot(env):
    """Everything the comparison reads, as plain JSON values."""
    env = env(su=True, context={"active_test": False, "lang": "en_US"})
    env.flush_all()
    env.invalidate_all()
    objectives = env["okr.objective"].search([])
    obj_key = _keys(env, objectives, _natural_key)
    key_results = env["okr.key.result"].search([])
    kr_key = _keys(env, key_results, _natural_key)
    presets = _xmlids(env, "okr.key.result.preset")
    company = env.ref("base.main_company")
    out = {"today": str(_company_today(company)), "tz": _company_tz(company)}
    out["objectives"] = {
        obj_key[o.id]: {
            "progress": o.progress,
            "status": o.status or False,
            "state": o["state"] if "state" in o._fields else False,
            "date_end": str(o.date_end),
        }
        for o in objectives
    }
    out["key_results"] = {}
    for kr in key_results:
        rolled = kr.browse()
        if "rollup_child_ids" in kr._fields:
            rolled = kr.rollup_child_ids | kr.child_ids
        out["key_results"][kr_key[kr.id]] = {
            "objective": obj_key.get(kr.objective_id.id, False),
            "type": kr.source,
            "preset": presets.get(kr.preset_id.id) or kr.preset_id.name or False,
            "source_model": kr.source_model or False,
            "baseline_value": float(kr.baseline_value),
            "target_value": float(kr.target_value),
            "current_value": float(kr.current_value),
            "progress": kr.progress,
            "status": kr.status or False,
            "date_end": str(kr.date_end),
            "rolls_up": sorted(kr_key[child.id] for child in rolled - kr),
        }
    checkins, rank, ck_key = env["okr.checkin"].search([], order="id"), Counter(), {}
    for checkin in checkins:
        kr = kr_key[checkin.key_result_id.id]
        rank[kr] += 1
        ck_key[checkin.id] = f"{kr} | check-in {rank[kr]}"
    out["checkins"] = {
        ck_key[c.id]: {
            "key_result": kr_key[c.key_result_id.id],
            "date": str(c.date),
            "value": float(c.value),
            "made": str(
                _local(c.create_date, _company_tz(c.key_result_id.company_id)).date()
            ),
            "made_utc": str(c.create_date.date()),
            "company_today": str(_company_today(c.key_result_id.company_id)),
        }
        for c in checkins
    }
    out["history"] = {}
    for point in env["okr.key.result.history"].search([], order="id"):
        kr, checkin = kr_key[point.key_result_id.id], point.checkin_id
        key = f"{kr} | {ck_key[checkin.id] if checkin else point.date}"
        key = f"{key} | point {point.id}" if key in out["history"] else key
        out["history"][key] = {
            "key_result": kr,
            "checkin": ck_key[checkin.id] if checkin else False,
            "date": str(point.date),
            "value": point.value,
        }
    env.cr.execute(
        "SELECT key_result_id, res_model, res_id, bucket_date, value::text"
        " FROM okr_contribution ORDER BY id"
    )
    rows = env.cr.fetchall()
    shifted = _shifted_records(env, key_results, {row[:3] for row in rows})
    out["contributions"] = {
        f"{kr_key[kr_id]} | {model},{res_id} | {day}": {
            "key_result": kr_key[kr_id],
            "record": f"{model},{res_id}",
            "date": str(day),
            "value": float(value or 0),
            "shifted": (kr_id, model, res_id) in shifted,
        }
        for kr_id, model, res_id, day, value in rows
    }
    return out


def in_odoo_snapshot(env, output):
    Path(output).write_text(json.dumps(_snapshot(env), indent=1, sort_keys=True))
    env.cr.rollback()


# Models whose stored computed fields must hold what their code computes now.
RECOMPUTED_MODELS = ("okr.objective", "okr.key.result", "okr.checkin")
# ... and, on every other model, the stored computed fields these addons add
# (a deal's, a ticket's, an answer's: what the engine counts them by)
ADDONS_PREFIX = "okr_sales"


def _recomputed_fields(env):
    """{model: [stored computed field names]} to check for staleness."""
    found = {}
    for model_name in env.registry:
        model = env[model_name]
        if model._abstract or model._transient or not model._auto:
            continue
        ours = model_name in RECOMPUTED_MODELS
        names = [
            name
            for name, field in model._fields.items()
            if field.store
            and field.compute
            and field.readonly
            and field.type not in ("binary", "html")
            and name != "parent_path"
            and (ours or (field._module or "").startswith(ADDONS_PREFIX))
        ]
        if names:
            found[model_name] = names
    return found


def _readable(env, field, value):
    """A value as read(), with the names of the records of an x2many."""
    if field.type in ("one2many", "many2many"):
        return sorted(env[field.comodel_name].browse(value).mapped("display_name"))
    return value


def _stale_fields(env):
    """Stored computed fields whose stored value differs from what today's
    code computes (a compute changed without a migration recomputing it):
    [(model, field, record, stored, computed)]. All are recomputed before
    any is compared: one may read another (an objective its key results')."""
    stored, names = {}, _recomputed_fields(env)
    for model in names:
        records = env[model].with_context(active_test=False).search([])
        stored[model] = {row["id"]: row for row in records.read(names[model])}
        for name in names[model]:
            env.add_to_compute(records._fields[name], records)
    env.flush_all()
    env.invalidate_all()
    stale = []
    for model in names:
        keys = _keys(env, env[model].browse(stored[model]), _natural_key)
        fields = env[model]._fields
        for row in env[model].browse(stored[model]).read(names[model]):
            before = stored[model][row["id"]]
            stale += [
                (
                    model,
                    name,
                    keys[row["id"]],
                    _readable(env, fields[name], before[name]),
                    _readable(env, fields[name], row[name]),
                )
                for name in names[model]
                if not same(before[name], row[name])
            ]
    return stale


def in_odoo_rebuild(env, output):
    """The nightly check's drift on running periods, then every automatic key
    result before and after a rebuild from erased state; rolled back."""
    env = env(su=True, context={"active_test": False})
    KeyResult = env["okr.key.result"]
    automatic = KeyResult.search([("source", "in", AUTOMATIC)])
    today = min(_company_today(company) for company in env["res.company"].search([]))
    running = automatic.filtered(lambda kr: kr.date_end >= today - timedelta(days=1))
    drift = KeyResult._okr_recompute(running.ids)
    stale = _stale_fields(env)
    before = _snapshot(env)
    ids = tuple(automatic.ids) or (0,)
    env.cr.execute("DELETE FROM okr_contribution WHERE key_result_id IN %s", (ids,))
    env.cr.execute(
        "DELETE FROM okr_key_result_period WHERE key_result_id IN %s", (ids,)
    )
    env.cr.execute(
        "UPDATE okr_key_result SET current_value = %s WHERE id IN %s", (ERASED, ids)
    )
    env.invalidate_all()
    KeyResult._okr_recompute(automatic.ids, rebuild=True)
    after = _snapshot(env)
    result = {
        "drift": {
            str(kr_id): list(map(float, moved)) for kr_id, moved in drift.items()
        },
        "stale": [list(map(str, row)) for row in stale],
        "before": before,
        "after": after,
    }
    Path(output).write_text(json.dumps(result))
    env.cr.rollback()


# ----------------------------------------------------------------------
# The comparison (pure)
# ----------------------------------------------------------------------


def same(old, new):
    """Equal, numbers to the cent."""
    if isinstance(old, float | int) and isinstance(new, float | int):
        return round(old, 2) == round(new, 2)
    return old == new


def _day(text):
    return date.fromisoformat(text)


def _redated_checkin(old, new):
    """Whether a check-in's date moved as 19.0.1.6.0 means: dated after its
    company's today, now on the day it was made (today at the latest)."""
    if _day(old["date"]) <= _day(old["company_today"]):
        return False
    today = _day(new["company_today"])
    # "the day it was made": the migration reads create_date's UTC day
    made = {_day(new["made"]), _day(new.get("made_utc", new["made"]))}
    return _day(new["date"]) in {min(day, today) for day in made}


class Comparison:
    """Differences between two snapshots: `allowed` [(migration, line)],
    `problems` [line], `counts` {kind: compared}, `added` {kind: count}."""

    def __init__(self, old, new):
        self.old, self.new = old, new
        self.allowed, self.problems = [], []
        self.counts = {kind: len(old[kind]) for kind in KINDS}
        # records the upgrade's data files made (the rest is compared)
        self.added = {
            kind: len(set(new[kind]) - set(old[kind]))
            for kind in ("objectives", "key_results", "checkins")
        }
        # key result key -> the migration that moved its value
        self.moved = {}
        self.redated = set()  # the check-ins 19.0.1.6.0 dated again
        self.running_from = _day(new["today"]) - timedelta(days=1)

    @property
    def ok(self):
        return not self.problems

    def allow(self, migration, line):
        self.allowed.append((migration, line))

    def run(self):
        for kind in KINDS:
            for key in sorted(set(self.old[kind]) - set(self.new[kind])):
                if kind != "contributions":
                    self.problems.append(f"LOST {ONE[kind]}: {key}")
        self._checkins()
        self._contributions()
        self._key_results()
        self._history()
        self._objectives()
        return self

    def _changes(self, kind, fields=None):
        """(key, field, old value, new value) of the records on both sides."""
        old, new = self.old[kind], self.new[kind]
        for key in sorted(set(old) & set(new)):
            for name in fields or old[key]:
                if not same(old[key].get(name), new[key].get(name)):
                    yield key, name, old[key].get(name), new[key].get(name)

    def _checkins(self):
        for key, name, before, after in self._changes("checkins", ("date", "value")):
            old, new = self.old["checkins"][key], self.new["checkins"][key]
            if name == "date" and _redated_checkin(old, new):
                self.allow(
                    MIG_CHECKIN_DAY, f"date of check-in {key} from {before} to {after}"
                )
                self.moved.setdefault(old["key_result"], MIG_CHECKIN_DAY)
                self.redated.add(key)
            else:
                self.problems.append(f"check-in {key}: {name} {before!r} -> {after!r}")

    def _contribution_migration(self, entry):
        key_result = self.new["key_results"].get(entry["key_result"]) or {}
        if key_result.get("source_model") == "helpdesk.ticket":
            return MIG_SOLVED_TIME
        if key_result.get("type") in AUTOMATIC and entry.get("shifted"):
            return MIG_COMPANY_DAY
        return None

    def _contributions(self):
        old, new = self.old["contributions"], self.new["contributions"]
        for key in sorted(set(old) | set(new)):
            before, after = old.get(key), new.get(key)
            if before and after and same(before["value"], after["value"]):
                continue
            what = "lost" if not after else "added" if not before else "value changed"
            line = (
                f"contribution {key} {what}"
                f" ({before and before['value']} -> {after and after['value']})"
            )
            migration = self._contribution_migration(after or before)
            if migration:
                self.allow(migration, line)
                self.moved.setdefault((after or before)["key_result"], migration)
            else:
                self.problems.append(f"contribution {key}: {what}: {line}")

    def _rolled_up_moves(self):
        """Roll-ups move with the key results they roll up (to a fixpoint)."""
        key_results = self.new["key_results"]
        changed = True
        while changed:
            changed = False
            for key, entry in key_results.items():
                if entry["type"] != ROLLUP or key in self.moved:
                    continue
                moved = [child for child in entry["rolls_up"] if child in self.moved]
                if moved:
                    self.moved[key] = self.moved[moved[0]]
                    changed = True

    def _key_results(self):
        self._rolled_up_moves()
        for key, name, before, after in self._changes("key_results"):
            entry = self.new["key_results"][key]
            line = f"{name} of key result {key} from {before!r} to {after!r}"
            if name in KR_VALUES and key in self.moved:
                self.allow(self.moved[key], line)
            elif name == "status" and _day(entry["date_end"]) >= self.running_from:
                self.allow(MIG_STATUSES, line)
            elif name == "status" and key in self.moved:
                self.allow(self.moved[key], line)
            else:
                self.problems.append(f"key result {key}: {line}")

    def _history(self):
        old, new = self.old["history"], self.new["history"]
        for key in sorted(set(old) | set(new)):
            before, after = old.get(key), new.get(key)
            if (
                before
                and after
                and all(same(before[name], after[name]) for name in ("date", "value"))
            ):
                continue
            entry = after or before
            what = "lost" if not after else "added" if not before else "changed"
            line = (
                f"history point {key} {what}: {before and before['value']}"
                f" on {before and before['date']} -> {after and after['value']}"
                f" on {after and after['date']}"
            )
            if entry["checkin"] in self.redated and before and after:
                self.allow(MIG_CHECKIN_DAY, line)
            elif entry["key_result"] in self.moved and (
                not before or (after and after["date"] == self.new["today"])
            ):
                self.allow(self.moved[entry["key_result"]], line)
            else:
                self.problems.append(line)

    def _objectives(self):
        moved_objectives = {}
        for kr_key, migration in self.moved.items():
            objective = (self.new["key_results"].get(kr_key) or {}).get("objective")
            moved_objectives.setdefault(objective, migration)
        for key, name, before, after in self._changes("objectives"):
            entry = self.new["objectives"][key]
            line = f"{name} of objective {key} from {before!r} to {after!r}"
            if name == "progress" and key in moved_objectives:
                self.allow(moved_objectives[key], line)
            elif name == "status" and _day(entry["date_end"]) >= self.running_from:
                self.allow(MIG_STATUSES, line)
            elif name == "status" and key in moved_objectives:
                self.allow(moved_objectives[key], line)
            else:
                self.problems.append(f"objective {key}: {line}")


def compare(old, new):
    """The Comparison of two snapshots, run."""
    return Comparison(old, new).run()


def compare_rebuild(rebuild):
    """Problems of the rebuild check: drift found by the nightly check, or an
    automatic key result whose value or contributions a rebuild from erased
    state does not give again."""
    problems = [
        f"the nightly check corrected key result id {kr_id}: {old} -> {new}"
        for kr_id, (old, new) in sorted(rebuild["drift"].items())
    ]
    problems += [
        f"{model}.{name} of {key}: stored {stored}, computed now {computed}"
        " (a compute changed without a migration recomputing it)"
        for model, name, key, stored, computed in rebuild.get("stale", [])
    ]
    before, after = rebuild["before"], rebuild["after"]
    for key, entry in sorted(before["key_results"].items()):
        if entry["type"] not in AUTOMATIC:
            continue
        rebuilt = after["key_results"][key]["current_value"]
        if not same(entry["current_value"], rebuilt):
            problems.append(
                f"key result {key}: upgraded {entry['current_value']},"
                f" rebuilt {rebuilt}"
            )
    automatic = {
        key
        for key, entry in before["key_results"].items()
        if entry["type"] in AUTOMATIC
    }

    def rows(snapshot):
        return {
            key: round(entry["value"], 2)
            for key, entry in snapshot["contributions"].items()
            if entry["key_result"] in automatic
        }

    upgraded, rebuilt = rows(before), rows(after)
    for key in sorted(set(upgraded) | set(rebuilt)):
        if upgraded.get(key) != rebuilt.get(key):
            problems.append(
                f"contribution {key}: upgraded {upgraded.get(key)},"
                f" rebuilt {rebuilt.get(key)}"
            )
    return problems, len(automatic), len(upgraded)


# ----------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------


def step(message):
    print(f"== {message}", flush=True)


def upgrade_test(args, options, db, work):
    """The steps; return the lines of problems (empty: passed)."""
    sha = resolve_release(args.release)
    old_tree, logs = work / "release", work / "logs"
    old_tree.mkdir()
    logs.mkdir()
    extract(sha, old_tree)
    step(f"release {args.release} = {sha[:12]}, extracted to {old_tree}")
    old_conf = write_config(options, old_tree, work / "release.conf")
    new_conf = write_config(options, ROOT, work / "working_tree.conf")
    step(f"installing {INSTALL} with demo data, the release's code, in {db}")
    run_odoo(
        old_conf,
        db,
        ["-i", INSTALL, "--with-demo", "--stop-after-init", "--max-cron-threads=0"],
        logs / "install.log",
    )
    done = in_shell(
        old_conf, db, "in_odoo_lived_in", work / "lived.json", logs / "lived.log"
    )
    for line in done:
        step(f"lived in: {line}")
    old = in_shell(
        old_conf, db, "in_odoo_snapshot", work / "old.json", logs / "snap_old.log"
    )
    step(f"upgrading {UPGRADE} with the working tree's code")
    upgrade_log = run_odoo(
        new_conf,
        db,
        ["-u", UPGRADE, "--stop-after-init", "--max-cron-threads=0"],
        logs / "upgrade.log",
    )
    for line in re.findall(r"Running upgrade \[(.*?)\] (\S+)", upgrade_log):
        step(f"ran migration {line[0]} {line[1]}")
    new = in_shell(
        new_conf, db, "in_odoo_snapshot", work / "new.json", logs / "snap_new.log"
    )
    result = compare(old, new)
    step("compared: " + ", ".join(f"{n} {k}" for k, n in result.counts.items()))
    added = ", ".join(f"{n} {k}" for k, n in result.added.items() if n)
    if added:
        step(f"new after the upgrade (its data files): {added}")
    by_migration = Counter(migration for migration, _line in result.allowed)
    for migration, line in result.allowed:
        print(f"   changed as migration {migration} means: {line}")
    for migration, meaning in MIGRATIONS.items():
        step(
            f"{by_migration[migration]} difference(s) allowed by {migration}: {meaning}"
        )
    step("rebuilding every automatic key result from erased state")
    rebuild = in_shell(
        new_conf, db, "in_odoo_rebuild", work / "rebuild.json", logs / "rebuild.log"
    )
    rebuild_problems, n_kr, n_contrib = compare_rebuild(rebuild)
    step(f"rebuild: {n_kr} automatic key results, {n_contrib} contributions compared")
    return result.problems + rebuild_problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="release", default=DEFAULT_RELEASE)
    parser.add_argument("--config", default=str(ROOT / ".okr" / "odoo.conf"))
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    # Ctrl-C and a stopped CI job end the same way: the finally drops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    db = f"okr_upgrade_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="okr_upgrade_"))
    problems, options = ["interrupted"], None
    try:
        options = read_options(args.config)
        problems = upgrade_test(args, options, db, work)
    except ToolError as error:
        problems = [str(error)]
    except KeyboardInterrupt:
        problems = ["interrupted"]
    finally:
        if args.keep_db:
            step(f"kept database {db}; logs and snapshots in {work}")
        elif options is not None:
            # the Makefile's database chores, filestore included
            subprocess.run([*OKR_DB, "drop", db], check=False)
            shutil.rmtree(work / "release", ignore_errors=True)
            if not problems:
                shutil.rmtree(work, ignore_errors=True)
    took = f"{time.monotonic() - started:.0f} s"
    for line in problems:
        print(f"   FAILED: {line}")
    verdict = "FAILED" if problems else "passed"
    print(f"== upgrade-test from {args.release} {verdict} in {took} (work: {work})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
