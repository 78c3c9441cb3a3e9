# okr_sales developer tasks; `make help` lists them, README.md explains them.
# Variables can be overridden from the environment or the command line:
#   make demo HTTP_PORT=8070        DB_HOST=db.example DB_USER=odoo make test

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON    ?= python3
ODOO_BIN  ?= $(PYTHON) -m odoo
DB_HOST   ?=
DB_PORT   ?=
DB_USER   ?=
HTTP_PORT ?= 8069
HTTP_INTERFACE ?= 127.0.0.1
DEMO_DB   ?= okr_demo
# make screenshots: a database with demo data to use; empty = a throwaway one.
SHOTS_DB  ?=
BENCH_ARGS ?=
export PYTHON ODOO_BIN DB_HOST DB_PORT DB_USER

OKR    := $(CURDIR)/.okr
CONF   := $(OKR)/odoo.conf
ODOO   := $(ODOO_BIN) -c $(CONF)
# Every addon of the repository: the folders holding a __manifest__.py.
ADDONS := $(patsubst %/__manifest__.py,%,$(wildcard */__manifest__.py))
comma  := ,
empty  :=
ADDON_LIST := $(subst $(empty) $(empty),$(comma),$(strip $(ADDONS)))
# Installed beside them by make test, for what the bridges follow when it is
# there: helpdesk_mgmt_merge's merges (okr_sales_helpdesk's tests merge tickets).
TEST_EXTRA := helpdesk_mgmt_merge
# The addons' own test folders (okr_sales/tests, and each bridge's).
ADDON_TESTS := $(wildcard $(addsuffix /tests,$(ADDONS)))
# Tested by make test in a database of their own, and left out of make demo
# and make screenshots: okr_sales_sale brings Sales and Invoicing, whose demo
# posts journal items in the company's currency before okr_sales's demo could
# switch it to VND (the seed's demo values).
OWN_DB_ADDONS := $(filter okr_sales_sale,$(ADDONS))
MAIN_LIST := $(subst $(empty) $(empty),$(comma),$(strip $(filter-out $(OWN_DB_ADDONS),$(ADDONS))))
MAIN_TESTS := $(wildcard $(addsuffix /tests,$(filter-out $(OWN_DB_ADDONS),$(ADDONS))))
# Loads DB_HOST, DB_PORT, DB_USER written by tools/setup_postgres.py.
PG_ENV := set -a; source $(OKR)/pg.env; set +a
# Drops the databases of a recipe on exit, whether it passed, failed or was stopped.
DROP_ON_EXIT = trap '$(PYTHON) tools/okr_db.py drop $(1)' EXIT; trap 'exit 130' INT TERM

.PHONY: help setup setup-odoo demo test lint crm-test helpdesk-test sale-test bench bench-quick \
  screenshots readme wheels wheel-test upgrade-test clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup-odoo: ## Install Odoo 19 and the dev tools if missing (fast when present)
	@$(PYTHON) tools/setup_odoo.py

setup: setup-odoo ## setup-odoo, then find or start PostgreSQL and write .okr/odoo.conf
	@$(PYTHON) tools/setup_postgres.py
	$(PG_ENV)
	mkdir -p $(OKR)/logs $(OKR)/data
	cat > $(CONF) <<-EOF
	# Written by make setup. Odoo's own addons, and the OCA wheels in
	# site-packages/odoo/addons, are found without an entry here.
	[options]
	addons_path = $(CURDIR)
	data_dir = $(OKR)/data
	db_host = $$DB_HOST
	db_port = $$DB_PORT
	db_user = $$DB_USER
	http_interface = $(HTTP_INTERFACE)
	http_port = $(HTTP_PORT)
	EOF

demo: setup ## Serve database okr_demo (crm + the addons but okr_sales_sale, demo data) at http://localhost:8069
	@if $(PYTHON) tools/okr_db.py exists $(DEMO_DB); then
	  # -i too: a bridge added since the database was made gets installed.
	  modules="-i $(MAIN_LIST) -u $(MAIN_LIST)"
	else
	  modules="-i crm,$(MAIN_LIST) --with-demo"
	fi
	echo "== Odoo at http://localhost:$(HTTP_PORT) (admin / admin), database $(DEMO_DB); Ctrl+C stops it"
	exec $(ODOO) -d $(DEMO_DB) $$modules --db-filter='^$(DEMO_DB)$$' --http-port=$(HTTP_PORT)

test: setup ## Install every addon with demo data in a throwaway database, run all tests
	@$(PG_ENV)
	db=okr_test_$$$$
	$(call DROP_ON_EXIT,$$db $${db}_own $${db}_uninstall $${db}_uninstall_demo)
	echo "== installing $(MAIN_LIST),$(TEST_EXTRA) with demo data in $$db"
	$(ODOO) -d $$db -i $(MAIN_LIST),$(TEST_EXTRA) --with-demo --stop-after-init --max-cron-threads=0 \
	  --log-level=warn
	status=0
	echo "== $(MAIN_TESTS) (pytest-odoo on $$db)"
	$(PYTHON) -m pytest --odoo-config=$(CONF) --odoo-database=$$db --odoo-http \
	  $(MAIN_TESTS) || status=$$?
	for addon in $(OWN_DB_ADDONS); do
	  echo "== installing crm,$$addon with demo data in $${db}_own"
	  $(PYTHON) tools/okr_db.py drop $${db}_own
	  $(ODOO) -d $${db}_own -i crm,$$addon --with-demo --stop-after-init --max-cron-threads=0 \
	    --log-level=warn
	  echo "== $$addon/tests (pytest-odoo on $${db}_own)"
	  $(PYTHON) -m pytest --odoo-config=$(CONF) --odoo-database=$${db}_own --odoo-http \
	    $$addon/tests || { rc=$$?; [ $$status -ne 0 ] || status=$$rc; }
	done
	echo "== tests/ (end to end, Odoo server on $$db)"
	OKR_TEST_DB=$$db OKR_ODOO_CONF=$(CONF) $(PYTHON) -m pytest tests || \
	  { rc=$$?; [ $$status -ne 0 ] || status=$$rc; }
	exit $$status

screenshots: setup ## Regenerate the README's screenshots (docs/img/) in headless Chromium
	@$(PG_ENV)
	db="$(SHOTS_DB)"
	if [ -z "$$db" ]; then
	  db=okr_shots_$$$$
	  $(call DROP_ON_EXIT,$$db)
	  echo "== installing $(MAIN_LIST),$(TEST_EXTRA) with demo data in $$db"
	  $(ODOO) -d $$db -i $(MAIN_LIST),$(TEST_EXTRA) --with-demo --stop-after-init \
	    --max-cron-threads=0 --log-level=warn
	fi
	$(PYTHON) tools/screenshots.py --config $(CONF) --db $$db --out docs/img

lint: setup-odoo ## ruff check, ruff format --check, pylint-odoo mandatory checks
	@status=0
	echo "== ruff check"
	$(PYTHON) -m ruff check --no-fix . || status=1
	echo "== ruff format --check"
	$(PYTHON) -m ruff format --check . || status=1
	echo "== pylint-odoo (mandatory checks) on: $(ADDONS)"
	if [ -n "$(ADDONS)" ]; then
	  $(PYTHON) -m pylint --rcfile=.pylintrc-mandatory --valid-odoo-versions=19.0 \
	    $(ADDONS) || status=1
	fi
	echo "== README.rst up to date (tools/gen_addon_readme.py --check)"
	$(PYTHON) tools/gen_addon_readme.py --check || status=1
	exit $$status

crm-test: setup ## Odoo's crm tests with okr_sales installed (see tools/addon_tests.py)
	@$(PG_ENV)
	$(PYTHON) tools/addon_tests.py crm --config $(CONF) --odoo "$(ODOO_BIN)" --logs $(OKR)/logs

helpdesk-test: setup ## OCA helpdesk_mgmt's and helpdesk_mgmt_rating's tests, the same way
	@$(PG_ENV)
	$(PYTHON) tools/addon_tests.py helpdesk --config $(CONF) --odoo "$(ODOO_BIN)" \
	  --logs $(OKR)/logs

sale-test: setup ## Odoo's sale and sale_crm tests with okr_sales_sale installed, the same way
	@$(PG_ENV)
	$(PYTHON) tools/addon_tests.py sale --config $(CONF) --odoo "$(ODOO_BIN)" --logs $(OKR)/logs

readme: ## Write each addon's README.rst from its manifest and readme/ fragments
	@$(PYTHON) tools/gen_addon_readme.py

wheels: setup-odoo ## Build each addon's wheel (OCA's whool backend) into dist/
	@$(PYTHON) tools/wheels.py build --dist dist

wheel-test: setup ## Build the wheels, pip-install them in a fresh venv, install the addons from there
	@$(PG_ENV)
	$(PYTHON) tools/wheels.py test --dist dist --config $(CONF)

upgrade-test: setup ## Upgrade a demo database of release 19.0.1.4.0 to this tree: nothing lost, only what migrations mean changed
	@$(PG_ENV)
	$(PYTHON) tools/upgrade_test.py --config $(CONF)

# bench/run.py drops its databases okr_bench_<pid>_crm and _okr when done; the
# trap drops them when the run is interrupted. BENCH_ARGS=--keep-db keeps them.
define BENCH_DATABASES
$(PG_ENV)
db=okr_bench_$$$$
if [[ " $(BENCH_ARGS) " != *" --keep-db "* ]]; then
  $(call DROP_ON_EXIT,$${db}_crm $${db}_okr $${db}_bg $${db}p_crm $${db}p_okr $${db}p_bg)
fi
endef

bench: setup ## Benchmark okr_sales against crm (+ helpdesk) alone, 200,000 leads (BENCH_ARGS=--help)
	@$(BENCH_DATABASES)
	$(PYTHON) -m bench.run --config $(CONF) --db-prefix $$db $(BENCH_ARGS)

bench-quick: setup ## The benchmark at small sizes, then concurrent wins through pgbouncer on two servers (for CI)
	@$(BENCH_DATABASES)
	$(PYTHON) -m bench.run --config $(CONF) --db-prefix $$db --quick $(BENCH_ARGS)
	# Two Odoo servers on one database through pgbouncer's transaction pooling:
	# no client-visible error, no drift (--strict), or the recipe fails.
	$(PYTHON) -m bench.run --config $(CONF) --db-prefix $${db}p --quick \
	  --only concurrency --servers 2 --workers 2 --pgbouncer --strict $(BENCH_ARGS)

clean: ## Drop leftover okr_test_* databases, remove .okr/ runtime files
	@if [ -f $(OKR)/pg.env ]; then
	  dbs=$$($(PYTHON) tools/okr_db.py list okr_test_) || echo "(database server unreachable)"
	  [ -z "$$dbs" ] || $(PYTHON) tools/okr_db.py drop $$dbs
	fi
	$(PYTHON) tools/setup_postgres.py stop
	rm -rf $(OKR)/logs $(OKR)/pg.env $(CONF) $(OKR)/data/sessions $(OKR)/data/filestore/okr_test_*
	rm -rf .pytest_cache tests/.pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './.okr/*' -prune -exec rm -rf {} +
