"""Other addons' tests with okr_sales installed: they must pass as they do without it.

A suite (SUITES) names the addons whose tests run: Odoo's crm (`make crm-test`),
OCA's helpdesk_mgmt and helpdesk_mgmt_rating (`make helpdesk-test`), Odoo's sale
and sale_crm (`make sale-test`), with the repository's bridge to them
(okr_sales_helpdesk, okr_sales_sale) when it exists. For a suite:

1. Install its addons, okr_sales and the bridge in a throwaway database (no tests
   at install: the addons' at_install tests would run before okr_sales is
   loaded), and check that all of them are installed.
2. Run the addons' whole test suites there with pytest-odoo, so that every test
   runs in a registry where okr_sales hooks into their models; the plugin
   tools/odoo_selection.py keeps the tests Odoo's `--test-tags /crm` would run
   (not the classes a test module imports, nor inherited test methods). pytest
   writes a junit XML report (`--junitxml`, family xunit1, rootdir = the folder
   holding the addons): per-test outcomes and messages come from it, not from the
   terminal output.
3. If tests failed, install the suite's addons alone in a second throwaway
   database and run the failed tests again there (the baseline).
4. The failures that pass on the baseline run once more with okr_sales: one
   that passes then is reported as flaky (a browser tour's step that missed
   its 10 seconds on a loaded 2-core machine), not held against okr_sales;
   one that fails again is okr_sales's.

What is excused, exactly: a test that failed with okr_sales (pytest outcome
"failure", i.e. its test body raised) and fails **the same way** on the baseline:
also a failure, with the same signature: the first line of pytest's crash message
("ExceptionType: message"), plus the failed step for a browser tour, whose first
line only names the tour (see `signature()`), normalised by `normalise()` (see
VOLATILE for the parts removed and why). Such a test is the addon's own failure
on this machine (a browser tour that races, say): it is reported, not held
against okr_sales. Everything else fails the target:

- a test that passes on the baseline, fails differently there, or reported no
  result there;
- any "error" outcome (pytest's name for a failure outside the test body, here a
  setUpClass/tearDownClass of an Odoo test class or a pytest-odoo session fixture:
  with pytest, a class's setUpClass failure is reported as an error of each of its
  tests, with "failed on setup with ..."). Errors are never excused: in the
  baseline run they mean that run itself broke;
- a broken baseline run: its database install failed, pytest exited with a code
  other than 0 (all passed) or 1 (some tests failed), its report is missing or
  unreadable, or it has a collection error or an error of any test. No failure is
  excused then, and a line says why;
- a broken main run (with okr_sales): the same exit code, report and collection
  checks, and pytest exiting non-zero without any failed test in its report (or
  zero with failed tests in it);
- a test module that did not run: every `tests/test_*.py` of the suite's
  installed addons must report at least one test result in the main run (passed,
  failed, error, or skipped with a reason: a test skipped by pytest-odoo, e.g. an
  HttpCase without --odoo-http, counts as run). A module with zero collected
  items fails. A module that defines no class and no test function at its top
  level (read with `ast`, not imported) legitimately has nothing to run: it is
  listed as "no tests" and not required. A module that defines classes none of
  which yields a test is not exempt: that is how a broken import or base class
  would look.

Both databases are dropped at the end; the Odoo logs and junit reports stay in
--logs as <database>.log and <database>.xml. Usage (the Makefile's `crm-test`,
`helpdesk-test`):

    python tools/addon_tests.py crm --config .okr/odoo.conf --odoo "python3 -m odoo"
"""

import argparse
import ast
import os
import re
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import psycopg2

from odoo.modules.module import get_module_path
from odoo.sql_db import connection_info_for
from odoo.tools import config as odoo_config

OKR_DB = Path(__file__).parent / "okr_db.py"
SELECTION = Path(__file__).parent / "odoo_selection.py"  # a pytest plugin


@dataclass(frozen=True)
class Suite:
    """Addons whose own tests run with okr_sales (and `bridge`) installed."""

    name: str  # `make <name>-test`; also the baseline's name in messages
    addons: tuple  # whose tests/ run, and what the baseline installs
    bridge: str = ""  # the repository's addon joining them to okr_sales, if any
    took: str = ""  # how long the main run's tests take here, for the impatient

    def modules(self, exists):
        """What the main run installs; `exists(name)` tells whether an addon is
        in the addons path (the bridge may not be written yet)."""
        bridge = [self.bridge] if self.bridge and exists(self.bridge) else []
        return [*self.addons, "okr_sales", *bridge]


SUITES = {
    suite.name: suite
    for suite in (
        Suite("crm", ("crm",), took="about 90 s"),
        Suite(
            "helpdesk",
            ("helpdesk_mgmt", "helpdesk_mgmt_rating"),
            bridge="okr_sales_helpdesk",
            took="about 60 s",
        ),
        Suite(
            "sale", ("sale", "sale_crm"), bridge="okr_sales_sale", took="about 5 min"
        ),
    )
}

# Outcome kinds of a test in a junit report.
PASSED, SKIPPED, FAILURE, ERROR = "passed", "skipped", "failure", "error"
# Report entries that are not tests: a module that failed to import, pytest crashing.
COLLECTION, INTERNAL = "collection error", "internal error"

PYTEST_EXIT = {
    0: "all tests passed",
    1: "some tests failed",
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}

# Volatile parts of a failure message, replaced before two messages are compared.
# Only what differs between two runs of the same failure on two databases:
VOLATILE = [
    # Memory addresses in reprs (<odoo.api.Environment object at 0x7f...>): differ
    # in every process.
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "0x?"),
    # Database names: the main run uses okr_test_<suite>_<pid>, the baseline
    # okr_test_<suite>only_<pid>; messages that name their database must still match.
    (re.compile(r"\bokr_test_\w+"), "<db>"),
    # Ports: pytest-odoo serves each run on a random free port, which shows in the
    # URLs of browser tour failures.
    (
        re.compile(r"(https?://[^\s/:]+|localhost|127\.0\.0\.1|\[::1\]):\d+\b"),
        r"\1:<port>",
    ),
    (re.compile(r"\bport\s*[=:]?\s*\d+\b", re.IGNORECASE), "port <port>"),
    # Durations ("timed out after 12.3s"): timing, not behaviour.
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|secs?|seconds?)\b"), "<duration>"),
    # Record ids in recordset reprs (crm.lead(12, 13)): the two databases have
    # different modules, so their sequences differ. An empty recordset (crm.lead())
    # is kept apart from a non-empty one, and bare numbers are kept: counts (query
    # counts, numbers of records) are exactly what okr_sales could change.
    (
        re.compile(r"\b([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\((?:\d+,\s*)*\d+,?\)"),
        r"\1(<ids>)",
    ),
]


def normalise(line):
    """A message line without its volatile parts (see VOLATILE)."""
    for pattern, replacement in VOLATILE:
        line = pattern.sub(replacement, line)
    return line.strip()


class Run(NamedTuple):
    """One pytest run, or the reason it could not run (`problem`)."""

    exit_code: int | None
    results: dict | None  # test id -> (outcome kind, signature); None: no report
    problem: str = ""  # e.g. "installing crm failed"; set when results is None


def _first_line(text):
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


# The first line of every failed browser tour (odoo.tests.HttpCase.browser_js): it
# names the tour but not what failed, which the next non-empty line says
# ("FAILED: [21/21] Tour crm_forecast → Step ...").
TOUR_FAILED = re.compile(r'^\w*Error: The test code ".*" failed$')


def signature(message):
    """What must match for two failures to be "the same way": the normalised first
    line of the message ("ExceptionType: message"), and for a failed browser tour
    also its next non-empty line, the step that failed."""
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if TOUR_FAILED.match(lines[0]) and len(lines) > 1:
        return f"{normalise(lines[0])} / {normalise(lines[1])}"
    return normalise(lines[0])


def _element_outcome(element):
    """(kind, signature) of one <failure>, <error> or <skipped> element."""
    message = element.get("message", "")
    if element.tag == "skipped":
        # A module-level skip says "collection skipped"; its reason is the text.
        reason = (element.text or "") if message == "collection skipped" else message
        return SKIPPED, normalise(_first_line(reason))
    if element.tag == "failure":
        return FAILURE, signature(message)
    if message == "collection failure":
        return COLLECTION, normalise(_first_line(element.text))
    if message == "internal error":
        return INTERNAL, normalise(_first_line(element.text))
    phase = re.match(r'failed on (\w+) with "(.*)"\Z', message, re.DOTALL)
    if phase:
        return ERROR, f"{phase[1]}: {signature(phase[2])}"
    return ERROR, signature(message)


def _test_id(testcase):
    """The pytest node id of a junit testcase, relative to pytest's rootdir."""
    path, classname, name = (
        testcase.get(key, "") for key in ("file", "classname", "name")
    )
    if not path:  # pytest's own entries ("internal error")
        return f"{classname}::{name}" if classname else name
    if not classname:  # a module that failed to collect
        return path
    module = path.removesuffix(".py").replace("/", ".")
    if classname == module or classname.startswith(module + "."):
        classname = classname[len(module) + 1 :]
    return "::".join([path, *(classname.split(".") if classname else []), name])


def parse_junit(text):
    """{test id: (outcome kind, signature)} of a junit XML report (xunit1 family).

    The signature of a failure is the normalised first line of pytest's crash
    message, "ExceptionType: message". A test with several failure/error elements
    (subtests, or a failed test whose class teardown failed too) gets the worst kind
    and its distinct signatures joined with " | ". Raises ValueError on an
    unreadable report.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"unreadable junit report: {exc}") from exc
    rank = [PASSED, SKIPPED, FAILURE, ERROR, COLLECTION, INTERNAL]
    elements = {}
    for testcase in root.iter("testcase"):
        found = elements.setdefault(_test_id(testcase), [])
        found += [
            _element_outcome(child)
            for child in testcase
            if child.tag in ("failure", "error", "skipped")
        ]
    results = {}
    for test, outcomes in elements.items():
        kind = max((kind for kind, _sig in outcomes), key=rank.index, default=PASSED)
        signatures = sorted({sig for k, sig in outcomes if k == kind})
        results[test] = (kind, " | ".join(signatures))
    return results


def has_tests(source):
    """Whether a test module's source defines a class or a test function at top level.

    A module without either (helpers, constants) legitimately reports nothing.
    """
    tree = ast.parse(source)
    return any(
        isinstance(node, ast.ClassDef)
        or (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test")
        )
        for node in tree.body
    )


def find_test_modules(addon_path, rootdir=None):
    """(expected, without tests): the addon's tests/test_*.py files, as paths
    relative to pytest's rootdir (so as in test ids), by default the addon's
    parent folder."""
    addon = Path(addon_path)
    rootdir = Path(rootdir or addon.parent)
    expected, without = [], []
    for path in sorted((addon / "tests").glob("test_*.py")):
        relative = path.relative_to(rootdir).as_posix()
        (expected if has_tests(path.read_text()) else without).append(relative)
    return expected, without


def failed_tests(results):
    return sorted(
        test for test, (kind, _sig) in results.items() if kind in (FAILURE, ERROR)
    )


def _module_of(test):
    return test.split("::", 1)[0]


def _exit_text(code):
    if code is None:
        return "did not run"
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited {code} ({PYTEST_EXIT.get(code, 'unknown exit code')})"


def run_problems(run, label):
    """Why a pytest run cannot be trusted: a list of lines, empty when it can."""
    if run.results is None:
        reason = run.problem or "no junit report"
        return [f"{label}: {reason}; pytest {_exit_text(run.exit_code)}"]
    problems = []
    if run.exit_code not in (0, 1):
        problems.append(f"{label}: pytest {_exit_text(run.exit_code)}")
    for test, (kind, signature) in sorted(run.results.items()):
        if kind in (COLLECTION, INTERNAL):
            problems.append(f"{label}: {kind} in {test}: {signature}")
    failed = failed_tests(run.results)
    if run.exit_code == 1 and not failed:
        problems.append(f"{label}: pytest exited 1 but its report names no failed test")
    if run.exit_code == 0 and failed:
        problems.append(
            f"{label}: pytest exited 0 but its report has {len(failed)} failed"
        )
    return problems


def missing_modules(results, expected_modules):
    """The expected test modules without any test result in `results`."""
    reported = {
        _module_of(test)
        for test, (kind, signature) in results.items()
        if kind in (PASSED, FAILURE, ERROR) or (kind == SKIPPED and signature)
    }
    return [module for module in expected_modules if module not in reported]


def alone_problems(alone, baseline):
    """Why the baseline run cannot excuse anything: a list of lines, empty when it can.

    Besides `run_problems`, any error there (a class setup/teardown or a session
    fixture failed) means that run did not test what it was asked to.
    """
    if alone is None:
        return [f"the failed tests were not run again with {baseline} alone"]
    problems = run_problems(alone, f"{baseline}-only run")
    for test, (kind, signature) in sorted((alone.results or {}).items()):
        if kind == ERROR:
            problems.append(f"{baseline}-only run: error in {test}: {signature}")
    return problems


@dataclass
class Verdict:
    problems: list = field(default_factory=list)  # lines: why the runs are unusable
    excused: list = field(default_factory=list)  # lines: test, signature
    ours: list = field(default_factory=list)  # lines: test, why, outcome
    # lines: failed once with okr_sales, passed again with it and alone
    flaky: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems and not self.ours

    @property
    def lines(self):
        return [*self.excused, *self.flaky, *self.ours, *self.problems]


def _why_ours(main_outcome, alone_outcome, baseline):
    if alone_outcome is None:
        return f"no result with {baseline} alone"
    if alone_outcome[0] == PASSED:
        return f"passes with {baseline} alone"
    if main_outcome[0] == ERROR:
        return "an error (class setup/teardown) is never excused"
    return f"with {baseline} alone: {alone_outcome[0]} {alone_outcome[1]}".rstrip()


def verdict(main, alone, expected_modules, baseline, again=None):
    """The target's verdict from the main run (the suite's addons + okr_sales), the
    baseline run of its failed tests (None when it did not happen), the expected
    test modules (paths relative to pytest's rootdir, as the test ids start) and
    the baseline's name in messages (the suite's name, e.g. "crm"). ``again``:
    the failures that pass with the baseline alone, run a second time with
    okr_sales (a browser tour's step can miss its 10 s on a loaded machine):
    one that passes then is reported as flaky, not counted as ours."""
    result = Verdict()
    result.problems += run_problems(main, f"main run ({baseline} + okr_sales)")
    if main.results is not None:
        for module in missing_modules(main.results, expected_modules):
            result.problems.append(f"{module}: no test result in the main run")
    failed = failed_tests(main.results or {})
    if not failed:
        return result
    broken = alone_problems(alone, baseline)
    if broken:
        result.problems += [*broken, "so no failure is excused"]
    alone_results = (alone.results if alone else None) or {}
    for test in failed:
        outcome, there = main.results[test], alone_results.get(test)
        line = f"{test}: {outcome[0]} {outcome[1]}".rstrip()
        if not broken and outcome[0] == FAILURE and there == outcome:
            result.excused.append(
                f"excused, fails the same way with {baseline} alone: {line}"
            )
        elif broken:
            result.ours.append(f"NOT EXCUSED ({baseline}-only run unusable): {line}")
        elif (
            there
            and there[0] == PASSED
            and again is not None
            and (again.results or {}).get(test, ("",))[0] == PASSED
        ):
            result.flaky.append(
                f"FLAKY (passed on a second run with okr_sales, and with {baseline}"
                f" alone): {line}"
            )
        else:
            result.ours.append(f"OURS ({_why_ours(outcome, there, baseline)}): {line}")
    return result


def drop(databases):
    subprocess.run([sys.executable, str(OKR_DB), "drop", *databases], check=False)


def install(odoo, config, db, modules, log):
    """Install `modules` in a new database `db`; return a problem, or ''."""
    print(f"== installing {modules} in {db}", flush=True)
    with open(log, "w") as out:
        code = subprocess.run(
            [*odoo, "-c", config, "-d", db, "-i", modules, "--stop-after-init"]
            + ["--max-cron-threads=0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    if code:
        return f"installing {modules} in {db} failed (exit {code}, log {log})"
    missing = not_installed(db, modules.split(","))
    if missing:
        missing = ", ".join(missing)
        return f"installing {modules} in {db}: {missing} not installed (log {log})"
    return ""


def not_installed(db, modules):
    _name, params = connection_info_for(db)
    with closing(psycopg2.connect(**params)) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT name FROM ir_module_module"
            " WHERE name = ANY(%s) AND state = 'installed'",
            (modules,),
        )
        installed = {name for (name,) in cr.fetchall()}
    return [module for module in modules if module not in installed]


def run_tests(config, db, rootdir, targets, report, test_tags):
    """Run pytest-odoo with a junit report, on the tests Odoo would run with
    `--test-tags test_tags`; return a Run."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-rfE",
        "-p",
        "no:cacheprovider",
        "-p",
        SELECTION.stem,
        f"--odoo-test-tags={test_tags}",
        f"--rootdir={rootdir}",
        f"--junitxml={report}",
        "-o",
        "junit_family=xunit1",
        f"--odoo-config={config}",
        f"--odoo-database={db}",
        "--odoo-http",
        *targets,
    ]
    Path(report).unlink(missing_ok=True)
    path = os.pathsep.join(
        filter(None, [str(SELECTION.parent), os.environ.get("PYTHONPATH")])
    )
    env = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    sys.stdout.write(result.stdout[-20000:])
    sys.stderr.write(result.stderr[-5000:])
    try:
        results = parse_junit(Path(report).read_text())
    except FileNotFoundError:
        return Run(result.returncode, None, f"no junit report {report}")
    except ValueError as exc:
        return Run(result.returncode, None, f"{report}: {exc}")
    return Run(result.returncode, results)


def counts(results):
    tally = {}
    for kind, _sig in results.values():
        tally[kind] = tally.get(kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(tally.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=SUITES)
    parser.add_argument("--config", required=True)
    parser.add_argument("--odoo", default=f"{sys.executable} -m odoo")
    parser.add_argument("--logs", default=".okr/logs")
    args = parser.parse_args()
    suite = SUITES[args.suite]
    target = f"{suite.name}-test"
    started = time.monotonic()
    odoo = shlex.split(args.odoo)
    odoo_config.parse_config(["-c", args.config])
    paths = {addon: get_module_path(addon) for addon in suite.addons}
    missing = [addon for addon, path in paths.items() if not path]
    if missing:
        print(
            f"== {target} FAILED: {', '.join(missing)} not in the addons path"
            f" of {args.config} (make setup installs the OCA wheels)"
        )
        return 1
    addons = [Path(path) for path in paths.values()]
    # pytest's rootdir: test ids and expected modules are paths relative to it.
    rootdir = Path(os.path.commonpath([addon.parent for addon in addons]))
    expected, without = [], []
    for addon in addons:
        found = find_test_modules(addon, rootdir)
        expected += found[0]
        without += found[1]
    if not expected:
        print(f"== {target} FAILED: no test module in {', '.join(map(str, addons))}")
        return 1
    print(f"== {len(expected)} test modules of {', '.join(suite.addons)}", flush=True)
    for module in without:
        print(f"== {module}: no test class nor test function, not required")
    modules = suite.modules(lambda name: get_module_path(name, display_warning=False))
    test_tags = ",".join(f"/{addon}" for addon in suite.addons)
    pid = os.getpid()
    with_db, alone_db = (
        f"okr_test_{suite.name}_{pid}",
        f"okr_test_{suite.name}only_{pid}",
    )
    try:
        log = f"{args.logs}/{with_db}.log"
        problem = install(odoo, args.config, with_db, ",".join(modules), log)
        if problem:
            main_run = Run(None, None, problem)
        else:
            took = f" ({suite.took})" if suite.took else ""
            print(f"== the test suites, okr_sales loaded{took}", flush=True)
            report = f"{args.logs}/{with_db}.xml"
            targets = [str(addon / "tests") for addon in addons]
            main_run = run_tests(
                args.config, with_db, rootdir, targets, report, test_tags
            )
        failed = failed_tests(main_run.results or {})
        alone_run = None
        if failed:
            print(f"== {len(failed)} failed; again with {suite.name} alone", flush=True)
            log = f"{args.logs}/{alone_db}.log"
            problem = install(odoo, args.config, alone_db, ",".join(suite.addons), log)
            if problem:
                alone_run = Run(None, None, problem)
            else:
                targets = [str(rootdir / test) for test in failed]
                report = f"{args.logs}/{alone_db}.xml"
                alone_run = run_tests(
                    args.config, alone_db, rootdir, targets, report, test_tags
                )
        again_run = None
        passing_alone = [
            test
            for test in failed
            if alone_run
            and (alone_run.results or {}).get(test, ("",))[0] == PASSED
            and main_run.results[test][0] == FAILURE
        ]
        if passing_alone:
            print(
                f"== {len(passing_alone)} pass with {suite.name} alone;"
                " once more with okr_sales",
                flush=True,
            )
            targets = [str(rootdir / test) for test in passing_alone]
            report = f"{args.logs}/{with_db}_again.xml"
            again_run = run_tests(
                args.config, with_db, rootdir, targets, report, test_tags
            )
        result = verdict(main_run, alone_run, expected, suite.name, again_run)
    finally:
        drop([with_db, alone_db])
    for line in result.lines:
        print(f"== {line}")
    tally = counts(main_run.results) if main_run.results else "no results"
    took = time.monotonic() - started
    summary = (
        f"{len(expected)} modules, {tally}; {len(result.excused)} excused; {took:.0f} s"
    )
    if result.ok:
        print(f"== {target} PASSED ({summary})")
        return 0
    print(f"== {target} FAILED ({summary})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
