"""Small database chores for the Makefile, on the server named in .okr/pg.env.

Usage:
- `okr_db.py exists NAME`: exit 0 if database NAME exists, else 1;
- `okr_db.py list PREFIX`: print the databases whose name starts with PREFIX;
- `okr_db.py drop NAME...`: drop these databases (closing their connections) and
  their filestores under .okr/data, silently; missing ones are skipped.
"""

import shutil
import sys
from contextlib import closing
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = ROOT / ".okr" / "pg.env"
FILESTORE = ROOT / ".okr" / "data" / "filestore"


def connect():
    if not PG_ENV.exists():
        sys.exit(f"okr_db: {PG_ENV} missing: run tools/setup_postgres.py first")
    env = dict(
        line.split("=", 1)
        for line in PG_ENV.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    try:
        conn = psycopg2.connect(
            host=env["DB_HOST"],
            port=env["DB_PORT"],
            user=env["DB_USER"],
            dbname="postgres",
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        sys.exit(
            f"okr_db: cannot connect to {env['DB_HOST']}:{env['DB_PORT']}: {reason}"
        )
    conn.autocommit = True
    return conn


def databases(cr, prefix=""):
    cr.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1",
        (prefix,),
    )
    return [name for (name,) in cr.fetchall()]


def main(command="help", *names):
    if command in ("exists", "list") and len(names) != 1:
        sys.exit(__doc__)
    with closing(connect()) as conn, conn.cursor() as cr:
        if command == "exists":
            sys.exit(0 if names[0] in databases(cr) else 1)
        elif command == "list":
            print("\n".join(databases(cr, names[0])))
        elif command == "drop":
            existing = databases(cr)
            for name in names:
                shutil.rmtree(FILESTORE / name, ignore_errors=True)
                if name in existing:
                    query = "DROP DATABASE {} WITH (FORCE)"
                    cr.execute(sql.SQL(query).format(sql.Identifier(name)))
        else:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(*sys.argv[1:])
