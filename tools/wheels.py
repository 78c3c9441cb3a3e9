"""The addons as OCA ships them: wheels built with whool, installed from there.

Each addon folder holds a `pyproject.toml` naming OCA's build backend, whool,
which builds `odoo_addon_<name>-<version>-py3-none-any.whl` from the addon's
git-tracked files: the addon lands in `odoo/addons/<name>` of site-packages,
its version is the manifest's (plus the number of commits since the version
last changed, as OCA's published wheels), and its dependencies name the wheels
of the addons it depends on (`odoo-addon-helpdesk_mgmt==19.0.*`, ...) and
`odoo==19.0.*` for Odoo's own.

Usage:
- `wheels.py build [--dist DIR]`: build every addon's wheel into DIR (dist/),
  removing the addons' older wheels there (`make wheels`);
- `wheels.py test --config CONF [--dist DIR] [--keep]`: build them, create a
  fresh virtual environment beside Odoo (`--system-site-packages`: Odoo, its
  requirements and the OCA wheels are the interpreter's), pip-install the
  wheels there from DIR alone (`--no-index`), then install the addons with
  their demo data in a throwaway database with an addons path that does not
  hold the repository, and check that Odoo loaded each of them from the
  environment's site-packages, in English and Vietnamese (`make wheel-test`).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OKR_DB = [sys.executable, str(ROOT / "tools" / "okr_db.py")]
# Installed in one database, with demo data: okr_sales_sale's Sales and
# Invoicing demo only keeps the company's currency (a logged warning).
ADDONS = sorted(
    path.parent.name
    for path in ROOT.glob("*/__manifest__.py")
    if (path.parent / "pyproject.toml").exists()
)
# Read in the throwaway database by the environment's Odoo, printed as one line
# per addon: "<name> <state> <path of its folder>", then the demo's key results.
SITE_PACKAGES = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
CHECK_SCRIPT = """
from odoo.modules.module import get_module_path
for module in env["ir.module.module"].search([("name", "in", {addons!r})]):
    print("addon", module.name, module.state, get_module_path(module.name))
print("key_results", env["okr.key.result"].search_count([]))
print("vi", env["okr.key.result"].with_context(lang="vi_VN")
      .fields_get(["current_value"])["current_value"]["string"])
"""


def build(dist):
    """Build every addon's wheel into ``dist``; return their paths."""
    dist.mkdir(parents=True, exist_ok=True)
    for old in dist.glob("odoo_addon_okr_sales*.whl"):
        old.unlink()
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--disable-pip-version-check",
        "--no-deps",
        # whool comes with the dev tools (requirements-dev.txt): no download
        "--no-build-isolation",
        "--wheel-dir",
        str(dist),
        *(str(ROOT / addon) for addon in ADDONS),
    ]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wheels = sorted(dist.glob("odoo_addon_okr_sales*.whl"))
    for wheel in wheels:
        print(f"  {wheel.relative_to(ROOT) if wheel.is_relative_to(ROOT) else wheel}")
    if len(wheels) != len(ADDONS):
        sys.exit(f"wheels: {len(wheels)} wheel(s) built for {len(ADDONS)} addons")
    return wheels


def conf_without_repository(config, folder):
    """A copy of ``config`` whose addons path leaves the repository out: Odoo
    finds its own addons and the installed wheels' in odoo/addons."""
    lines = [
        line
        for line in Path(config).read_text().splitlines()
        if not line.replace(" ", "").startswith("addons_path=")
    ]
    conf = folder / "odoo.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


def run(command, **kwargs):
    print("$", " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def check(output, venv):
    """Fail unless every addon is installed from ``venv``'s site-packages."""
    site = Path(
        subprocess.check_output(
            [
                venv / "bin" / "python",
                "-c",
                "import sysconfig;print(sysconfig.get_paths()['purelib'])",
            ],
            text=True,
        ).strip()
    )
    loaded = {}
    problems = []
    for line in output.splitlines():
        words = line.split()
        if words[:1] == ["addon"] and len(words) == 4:
            loaded[words[1]] = (words[2], Path(words[3]))
        elif words[:1] == ["key_results"]:
            if int(words[1]) == 0:
                problems.append("the demo's key results are missing")
            print(f"  demo: {words[1]} key results")
        elif words[:1] == ["vi"]:
            print(f"  Current Value in Vietnamese: {' '.join(words[1:])}")
            if words[1:] == ["Current", "Value"]:
                problems.append("the Vietnamese translations were not loaded")
    for addon in ADDONS:
        state, path = loaded.get(addon, ("missing", Path()))
        print(f"  {addon}: {state}, from {path}")
        if state != "installed":
            problems.append(f"{addon} is {state}")
        elif not path.is_relative_to(site / "odoo" / "addons"):
            problems.append(f"{addon} was loaded from {path}, not from the wheel")
    for problem in problems:
        print(f"FAILED: {problem}")
    return not problems


def test(config, dist, keep):
    wheels = build(dist)
    folder = Path(tempfile.mkdtemp(prefix="okr_wheels_"))
    database = f"okr_wheel_{os.getpid()}"
    venv = folder / "venv"
    try:
        run([sys.executable, "-m", "venv", "--system-site-packages", venv])
        pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
        # our wheels from dist/ only; their dependencies (Odoo, the OCA
        # helpdesk wheels) must be the interpreter's, or pip finds none
        run([*pip, "install", "--quiet", "--no-index", "--find-links", dist, *wheels])
        conf = conf_without_repository(config, folder)
        python = venv / "bin" / "python"
        odoo = [python, "-m", "odoo", "-c", conf, "-d", database]
        # run from the temporary folder: the repository's folders are not on
        # the path either
        run(
            [
                *odoo,
                "-i",
                ",".join(ADDONS),
                "--with-demo",
                "--load-language=vi_VN",
                "--stop-after-init",
                "--max-cron-threads=0",
                "--log-level=warn",
            ],
            cwd=folder,
        )
        script = CHECK_SCRIPT.format(addons=ADDONS)
        result = run(
            [python, "-m", "odoo", "shell", "-c", conf, "-d", database, "--no-http"],
            input=script,
            text=True,
            capture_output=True,
            cwd=folder,
        )
        return check(result.stdout, venv)
    finally:
        if keep:
            print(f"kept: {venv} and database {database}")
        else:
            subprocess.run([*OKR_DB, "drop", database], check=False)
            shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "test"])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--config", help="the Odoo configuration (test)")
    parser.add_argument("--keep", action="store_true", help="keep venv and database")
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    if args.command == "build":
        build(dist)
        return 0
    if not args.config:
        parser.error("test needs --config")
    ok = test(args.config, dist, args.keep)
    print("== wheels installed and loaded from the environment" if ok else "")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
