"""Make Odoo 19 and the dev tools importable by the Python running this script.

Order: (a) reuse an importable Odoo 19; (b) else install the source named by
ODOO_SOURCE (a folder, or a .tar.gz/.zip archive extracted under .okr/odoo-src);
(c) else download the official 19.0 source archive into .okr/ and do (b).
Then install requirements-dev.txt and requirements-addons.txt (the OCA addons
the bridges depend on, without their dependency on the odoo distribution),
each unless all of it is already installed.

Run it with the Python that runs Odoo: `${PYTHON:-python3} tools/setup_odoo.py`.
It takes well under a second when everything is present. Every failure prints
one line saying what is missing and how to fix it, and exits 1. A missing
Chromium is only reported: the browser tours skip without it (and fail in CI,
whose script installs Debian's `chromium` package).
"""

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OKR = ROOT / ".okr"
LOGS = OKR / "logs"
SRC_CACHE = OKR / "odoo-src"
# (requirements file, extra pip options, log name), installed in this order.
REQUIREMENTS = (
    (ROOT / "requirements-dev.txt", [], "pip-dev.log"),
    (ROOT / "requirements-addons.txt", ["--no-deps"], "pip-addons.log"),
)
ODOO_MAJOR = 19
DOWNLOAD_URLS = (
    "https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz",
    "https://github.com/odoo/odoo/archive/refs/heads/19.0.tar.gz",
)
ARCHIVE = OKR / "odoo_19.0.latest.tar.gz"
# Where Odoo's browser tests look for Chromium (odoo.tests.common._find_executable).
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")

# pip output pattern -> the one line telling what to install.
BUILD_HINTS = (
    (
        r"pg_config executable not found|libpq-fe\.h",
        "libpq-dev missing: apt-get install libpq-dev libldap2-dev libsasl2-dev",
    ),
    (
        r"lber\.h|ldap\.h|sasl/sasl\.h",
        "libldap2-dev/libsasl2-dev missing: apt-get install libldap2-dev libsasl2-dev",
    ),
    (r"Python\.h", "Python headers missing: apt-get install python3-dev"),
    (
        r"command '\S*gcc' failed|gcc: (error|not found)|No such file.*'\S*gcc'",
        "C compiler missing: apt-get install build-essential",
    ),
    (
        r"NewConnectionError|Failed to establish a new connection|"
        r"No matching distribution found",
        "cannot download Python packages: check network access to PyPI",
    ),
)


def fail(message):
    print(f"setup_odoo: {message}", file=sys.stderr)
    sys.exit(1)


def odoo_major():
    """Major version of the importable Odoo, or None."""
    try:
        from odoo import release
    except ImportError:
        return None
    return release.version_info[0]


def pip(args, log_name):
    """Run pip quietly; on failure print the one-line hint and exit."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / log_name
    with log.open("w") as out:
        rc = subprocess.call(
            [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
            + args,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if rc:
        text = log.read_text(errors="replace")
        for pattern, hint in BUILD_HINTS:
            if re.search(pattern, text):
                fail(f"{hint} (pip log: {log})")
        fail(f"pip install {' '.join(args)} failed: see {log}")


def source_root(path):
    """The folder holding setup.py/requirements.txt and odoo/release.py."""
    for candidate in [path, *sorted(p for p in path.iterdir() if p.is_dir())]:
        if (candidate / "odoo" / "release.py").is_file():
            return candidate
    fail(f"no Odoo source (odoo/release.py) in {path}: check ODOO_SOURCE")


def extract(archive):
    """Extract an Odoo source archive once under .okr/odoo-src/<name>."""
    name = re.sub(r"\.(tar\.gz|tgz|zip)$", "", archive.name)
    target = SRC_CACHE / name
    if (target / ".extracted").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    print(f"setup_odoo: extracting {archive} to {target}")
    try:
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(target)
        else:
            with tarfile.open(archive) as tf:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12
                    tf.extractall(target, filter="data")
                else:
                    tf.extractall(target)
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        shutil.rmtree(target, ignore_errors=True)
        fail(f"cannot extract {archive} ({exc}): download it again or fix ODOO_SOURCE")
    (target / ".extracted").touch()
    return target


def download():
    """Fetch the official 19.0 source archive into .okr/ (kept as a cache)."""
    if ARCHIVE.exists():
        return ARCHIVE
    OKR.mkdir(exist_ok=True)
    partial = ARCHIVE.with_suffix(".part")
    for url in DOWNLOAD_URLS:
        print(f"setup_odoo: downloading {url}")
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                with partial.open("wb") as out:
                    shutil.copyfileobj(resp, out)
        except OSError:
            continue
        partial.rename(ARCHIVE)
        return ARCHIVE
    partial.unlink(missing_ok=True)
    fail("no network to download Odoo: set ODOO_SOURCE=/path/to/odoo-19.0")


def install_odoo(source):
    path = Path(source).expanduser().resolve()
    if not path.exists():
        fail(f"ODOO_SOURCE={source} does not exist: point it to an Odoo 19 folder")
    if path.is_file():
        path = extract(path)
    root = source_root(path)
    release = (root / "odoo" / "release.py").read_text()
    match = re.search(r"^version_info = \((\d+),", release, re.MULTILINE)
    if not match or int(match.group(1)) != ODOO_MAJOR:
        fail(f"{root} is not Odoo {ODOO_MAJOR}: set ODOO_SOURCE to Odoo 19.0 source")
    print(f"setup_odoo: installing Odoo from {root} (log in {LOGS})")
    if (root / "requirements.txt").exists():  # Odoo's tested versions
        pip(["-r", str(root / "requirements.txt")], "pip-odoo-requirements.log")
    pip(["-e", str(root)], "pip-odoo.log")
    # A new process, since this one does not see the freshly installed .pth file.
    check = [sys.executable, "-c", "import odoo.release as r; print(r.version_info[0])"]
    result = subprocess.run(check, capture_output=True, text=True)
    if result.stdout.strip() != str(ODOO_MAJOR):
        fail(f"Odoo from {root} still not importable by {sys.executable}")


def missing_requirements(requirements):
    """Lines of a requirements file that the installed packages do not satisfy."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
    missing = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker and not req.marker.evaluate():
            continue
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if not req.specifier.contains(version, prereleases=True):
            missing.append(line)
    return missing


def main():
    major = odoo_major()
    if major != ODOO_MAJOR:
        if major is not None:
            print(f"setup_odoo: found Odoo {major}, installing Odoo {ODOO_MAJOR}")
        install_odoo(os.environ.get("ODOO_SOURCE") or download())
    for requirements, options, log_name in REQUIREMENTS:
        missing = missing_requirements(requirements)
        if missing:
            print(f"setup_odoo: installing {', '.join(missing)}")
            pip([*options, "-r", str(requirements)], log_name)
    browser = os.environ.get("ODOO_BROWSER_BIN")
    if not (browser and os.path.exists(browser)) and not any(
        shutil.which(name) for name in BROWSERS
    ):
        print(
            "setup_odoo: no Chromium, the browser tours will be skipped: "
            "apt-get install chromium (Debian/Ubuntu)"
        )


if __name__ == "__main__":
    main()
