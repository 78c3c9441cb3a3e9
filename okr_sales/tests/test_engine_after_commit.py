"""The processing after the commit, with real transactions.

A ``TransactionCase`` never commits, so its data is invisible to other
connections and no postcommit callback ever runs: a busy key result cannot
happen there. These tests commit for real, in a company of their own, with
two connections (``registry.cursor()`` gives a new connection outside the
registry's test mode, which only ``HttpCase`` enters), and delete all they
committed at the end.
"""

import os
import threading
import time
from contextlib import closing
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.sql_db import Cursor
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, date_utils

from ..engine.engine import ProgressEngine
from .common import QUIET_CONTEXT

# Upper bound of a wait for another transaction; reached only on a failure.
TIMEOUT = 30
# Tables where the tests' records add rows of their own (notifications, a
# lead enrichment trigger, queued changes left by a failure): their rows
# added meanwhile are deleted at the end. Nothing else commits in a test
# database while the tests run.
SIDE_TABLES = ("bus_bus", "ir_cron_trigger", "okr_pending_change")


class AfterCommitCase(BaseCase):
    """A company of its own, committed: a salesperson, her team, the
    cascade of won revenue (company, team, hers) and six deals, one won."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        # What setUpClass commits, deleted in reverse order at the end, also
        # if the setup fails halfway.
        cls._created = []
        with cls._cursor() as cr:
            cls._watermarks = {}
            for table in SIDE_TABLES:
                cr.execute(
                    SQL("SELECT COALESCE(max(id), 0) FROM %s", SQL.identifier(table))
                )
                cls._watermarks[table] = cr.fetchone()[0]
        cls.addClassCleanup(cls._delete_committed_data)
        with cls._cursor() as cr:
            cls._set_up_company(cls._env(cr))
        with cls._cursor() as cr:
            env = cls._env(cr)
            deals = cls._create(
                env,
                "crm.lead",
                [
                    cls._deal_values(env, amount)
                    for amount in (30.0, 70.0, 45.0, 25.0, 15.0, 5.0)
                ],
            )
            deals[0].action_set_won()
        # ids only: the records' environment is gone with its cursor
        cls.deal_ids = deals.ids
        cls.won_deal_id, cls.deal_id, cls.other_deal_id, cls.late_deal_id = deals.ids[
            :4
        ]
        cls.drained_deal_ids = deals.ids[4:]

    @classmethod
    def _cursor(cls):
        """A new connection to the database, as a server thread gets one."""
        cr = cls.registry.cursor()
        # Not the test cursor of the registry's test mode (HttpCase).
        assert isinstance(cr, Cursor), f"not a real connection: {cr!r}"
        return cr

    @classmethod
    def _env(cls, cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, QUIET_CONTEXT)

    @classmethod
    def _create(cls, env, model, values):
        records = env[model].create(values)
        cls._created.append((model, records.ids))
        return records

    @classmethod
    def _set_up_company(cls, env):
        tag = f"{os.getpid()}-{time.monotonic_ns()}"
        company = cls._create(
            env,
            "res.company",
            {
                "name": f"OKR After Commit {tag}",
                "currency_id": env.ref("base.main_company").currency_id.id,
            },
        )
        cls.company_id = company.id
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        salesperson = cls._create(
            env,
            "res.users",
            {
                "name": "Lan (after commit)",
                "login": f"okr_after_commit_{tag}",
                "email": "lan.after.commit@example.com",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [
                    Command.set(env.ref("sales_team.group_sale_salesman").ids)
                ],
            },
        )
        cls.salesperson_id = salesperson.id
        team = cls._create(
            env,
            "crm.team",
            {
                "name": f"OKR After Commit {tag}",
                "company_id": company.id,
                "member_ids": [Command.link(salesperson.id)],
            },
        )
        cls.team_id = team.id
        cls.customer_id = cls._create(
            env, "res.partner", {"name": "Hanoi Steel JSC", "is_company": True}
        ).id
        today = company._okr_today()
        dates = {
            "period_type": "custom",
            "date_start": date_utils.start_of(today, "year"),
            "date_end": date_utils.end_of(today, "year"),
            "company_id": company.id,
            "user_id": salesperson.id,
            "team_id": team.id,
        }
        department = cls._create(
            env,
            "okr.objective",
            {"name": "Grow sales revenue", "level": "department", **dates},
        )
        team_objective = cls._create(
            env,
            "okr.objective",
            {
                "name": "Reach the team's goal",
                "level": "team",
                "parent_id": department.id,
                **dates,
            },
        )
        my_objective = cls._create(
            env,
            "okr.objective",
            {
                "name": "Reach my goal",
                "level": "individual",
                "parent_id": team_objective.id,
                **dates,
            },
        )
        preset = env.ref("okr_sales.okr_preset_won_revenue")
        key_results = cls._create(
            env,
            "okr.key.result",
            [
                {
                    "name": f"Won revenue ({scope})",
                    "objective_id": objective.id,
                    "preset_id": preset.id,
                    "scope": scope,
                    "target_value": 1000.0,
                }
                for objective, scope in (
                    (department, "company"),
                    (team_objective, "team"),
                    (my_objective, "owner"),
                )
            ],
        )
        cls.company_kr_id = key_results[0].id
        cls.key_result_ids = key_results.ids
        cls.objective_ids = [department.id, team_objective.id, my_objective.id]

    @classmethod
    def _deal_values(cls, env, amount):
        return {
            "name": f"Deal of {amount}",
            "type": "opportunity",
            "user_id": cls.salesperson_id,
            "team_id": cls.team_id,
            "company_id": cls.company_id,
            "partner_id": cls.customer_id,
            "expected_revenue": amount,
            "stage_id": env["crm.stage"].search([("is_won", "=", False)], limit=1).id,
        }

    @classmethod
    def _delete_committed_data(cls):
        with cls._cursor() as cr:
            env = cls._env(cr)(context=dict(QUIET_CONTEXT, active_test=False))
            for model, ids in reversed(cls._created):
                records = env[model].browse(ids).exists()
                left_behind = []
                if model == "crm.team":
                    # else merged into every team's lead scoring statistics
                    env["crm.lead.scoring.frequency"].search(
                        [("team_id", "in", records.ids)]
                    ).unlink()
                if model in ("res.users", "res.company"):
                    left_behind.append(records.partner_id)
                if model == "res.company":
                    # as it was given to them: the multi-company group goes too
                    env["res.users"].search([("company_ids", "in", records.ids)]).write(
                        {"company_ids": [Command.unlink(c.id) for c in records]}
                    )
                    left_behind.append(
                        env["resource.calendar"].search(
                            [("company_id", "in", records.ids)]
                        )
                    )
                records.unlink()
                for leftovers in left_behind:
                    leftovers.exists().unlink()
                env.flush_all()
            for table, last_id in cls._watermarks.items():
                cr.execute(
                    SQL("DELETE FROM %s WHERE id > %s", SQL.identifier(table), last_id)
                )


@tagged("post_install", "-at_install")
class TestBusyKeyResultAfterCommit(AfterCommitCase):
    """A salesperson wins a deal while another transaction holds the company
    key result: the deal is won at once, and the key results follow right
    after the commit, once the other transaction is done."""

    # What the tests look at, from a transaction of their own

    def _state(self):
        """What another connection sees now: the deals' status, the key
        results' values, the queue, and the won revenue counted from the
        deals themselves."""
        with closing(self._cursor()) as cr:
            env = self._env(cr)(context=dict(QUIET_CONTEXT, active_test=False))
            deals = env["crm.lead"].browse(self.deal_ids)
            won = env["crm.lead"].search(
                [("company_id", "=", self.company_id), ("won_status", "=", "won")]
            )
            cr.execute(
                "SELECT res_ids FROM okr_pending_change WHERE res_model = 'crm.lead'"
                " ORDER BY id"
            )
            queued = [row[0] for row in cr.fetchall()]
            cr.execute(
                "SELECT key_result_id, res_id FROM okr_contribution"
                " WHERE key_result_id = ANY(%s) ORDER BY key_result_id, res_id",
                [self.key_result_ids],
            )
            contributions = cr.fetchall()
            fold_cron = env.ref("okr_sales.ir_cron_okr_fold_pending")
            cr.execute(
                "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND id > %s",
                [fold_cron.id, self._watermarks["ir_cron_trigger"]],
            )
            return {
                # triggers of the fold scheduled action since the tests began
                "cron_woken": cr.fetchone()[0],
                "status": dict(zip(deals.ids, deals.mapped("won_status"), strict=True)),
                "values": env["okr.key.result"]
                .browse(self.key_result_ids)
                .mapped("current_value"),
                "queued": queued,
                "contributions": contributions,
                "won_revenue": sum(won.filtered("active").mapped("expected_revenue")),
            }

    def _contributions(self, *deal_ids):
        """The contribution rows these deals make when counted."""
        return sorted(
            (kr_id, deal_id) for kr_id in self.key_result_ids for deal_id in deal_ids
        )

    def _lock_company_key_result(self, cr):
        """Another transaction holds the company key result (a colleague's
        deal, a manager's edit); returns its backend's process id."""
        cr.execute(
            "SELECT id FROM okr_key_result WHERE id = %s FOR UPDATE",
            [self.company_kr_id],
        )
        cr.execute("SELECT pg_backend_pid()")
        return cr.fetchone()[0]

    def _win_as_salesperson(self, cr, deal_id):
        """The salesperson wins the deal in the transaction of ``cr``; returns
        its backend's process id."""
        env = self._env(cr, self.salesperson_id)
        env["crm.lead"].browse(deal_id).action_set_won()
        cr.execute("SELECT pg_backend_pid()")
        return cr.fetchone()[0]

    def _commit_in_thread(self, cr):
        """Commit ``cr`` in a thread of its own, with the callbacks that run
        right after the commit, as a server thread ends a request; returns
        the thread and the list where its failure goes."""
        failures = []

        def commit():
            try:
                # What a commit does is what these tests are about.
                cr.commit()  # pylint: disable=invalid-commit
            except Exception as error:  # noqa: BLE001 - the test reports it
                failures.append(error)

        thread = threading.Thread(target=commit, name="okr-commit", daemon=True)
        thread.start()
        return thread, failures

    def _waiting_for(self, pid_b, pid_a, thread):
        """The backends waiting for a lock B holds, once there is one, while
        ``thread`` runs; the deal's own transaction (``pid_a``) must not
        wait."""
        deadline = time.monotonic() + TIMEOUT
        while thread.is_alive() and time.monotonic() < deadline:
            with closing(self._cursor()) as cr:
                cr.execute(
                    "SELECT pid FROM pg_locks WHERE NOT granted"
                    " AND %s = ANY(pg_blocking_pids(pid))",
                    [pid_b],
                )
                waiting = {row[0] for row in cr.fetchall()}
            self.assertNotIn(pid_a, waiting, "the deal waited for the key result")
            if waiting:
                return waiting
            time.sleep(0.01)  # polled: a condition, not a guess of a duration
        return set()

    # The tests

    def test_a_busy_key_result_is_written_right_after_the_commit(self):
        before = self._state()
        self.assertEqual(before["status"][self.deal_id], "pending")
        self.assertEqual(before["values"], [before["won_revenue"]] * 3)
        self.assertFalse(before["queued"])
        with closing(self._cursor()) as cr_b, closing(self._cursor()) as cr_a:
            pid_b = self._lock_company_key_result(cr_b)
            pid_a = self._win_as_salesperson(cr_a, self.deal_id)
            thread, failures = self._commit_in_thread(cr_a)
            try:
                # What runs after the deal's commit waits for B's lock, on
                # a connection of its own.
                waiting = self._waiting_for(pid_b, pid_a, thread)
                self.assertTrue(waiting, "nothing waited for the busy key result")
                self.assertTrue(thread.is_alive())
                # The deal's transaction is committed: the deal is won, its
                # records are queued, and it wrote no contribution at all.
                during = self._state()
                self.assertEqual(during["status"][self.deal_id], "won")
                self.assertEqual(during["queued"], [[self.deal_id]])
                self.assertEqual(during["values"], before["values"])
                self.assertEqual(during["contributions"], before["contributions"])
            finally:
                # B commits (it changed nothing): the processing goes on.
                cr_b.commit()
                thread.join(TIMEOUT)
            self.assertFalse(thread.is_alive(), "the processing never ended")
            self.assertFalse(failures)
        after = self._state()
        self.assertFalse(after["queued"])
        self.assertEqual(
            after["contributions"], self._contributions(self.won_deal_id, self.deal_id)
        )
        self.assertEqual(after["won_revenue"], before["won_revenue"] + 70.0)
        self.assertEqual(after["values"], [after["won_revenue"]] * 3)

    def test_what_is_left_queued_the_scheduled_action_processes(self):
        before = self._state()
        self.assertFalse(before["queued"])
        with closing(self._cursor()) as cr_b, closing(self._cursor()) as cr_a:
            self._lock_company_key_result(cr_b)
            self._win_as_salesperson(cr_a, self.other_deal_id)
            # The processing right after the commit fails (the database
            # restarted, say): it is logged, and the deal stays queued.
            with (
                patch.object(
                    ProgressEngine,
                    "process_pending",
                    side_effect=RuntimeError("connection lost"),
                ) as processing,
                self.assertLogs("odoo.addons.okr_sales.engine.queue", "ERROR"),
            ):
                thread, failures = self._commit_in_thread(cr_a)
                try:
                    thread.join(TIMEOUT)
                    self.assertFalse(thread.is_alive(), "the deal waited for B")
                finally:
                    cr_b.commit()
                    thread.join(TIMEOUT)
            self.assertFalse(failures)
            self.assertEqual(processing.call_count, 1)
        left = self._state()
        self.assertGreater(
            left["cron_woken"], before["cron_woken"], "the scheduled action was woken"
        )
        self.assertEqual(left["status"][self.other_deal_id], "won")
        self.assertEqual(left["queued"], [[self.other_deal_id]])
        self.assertEqual(left["values"], before["values"])
        self.assertEqual(left["contributions"], before["contributions"])
        # The scheduled action, as the scheduler runs it (its own committed
        # transaction, batches committed as they are done).
        with self._cursor() as cr:
            fold_cron = self._env(cr).ref("okr_sales.ir_cron_okr_fold_pending")
            self._env(cr)["okr.key.result"].with_context(
                cron_id=fold_cron.id
            )._cron_fold_pending()
        after = self._state()
        self.assertFalse(after["queued"])
        self.assertEqual(after["won_revenue"], before["won_revenue"] + 45.0)
        self.assertEqual(after["values"], [after["won_revenue"]] * 3)
        self.assertEqual(
            after["contributions"],
            sorted(before["contributions"] + self._contributions(self.other_deal_id)),
        )

    def test_a_key_result_held_long_is_left_to_the_scheduled_action(self):
        # A recompute or a manager's rebuild holds the key result longer than
        # the processing after the commit may keep the salesperson waiting.
        before = self._state()
        with (
            closing(self._cursor()) as cr_b,
            closing(self._cursor()) as cr_a,
            patch(
                "odoo.addons.okr_sales.engine.queue.AFTER_COMMIT_LOCK_TIMEOUT", "200ms"
            ),
        ):
            self._lock_company_key_result(cr_b)
            self._win_as_salesperson(cr_a, self.late_deal_id)
            thread, failures = self._commit_in_thread(cr_a)
            try:
                thread.join(TIMEOUT)
                # the request returned while B still holds the key result
                self.assertFalse(thread.is_alive(), "the salesperson kept waiting")
                during = self._state()
            finally:
                cr_b.commit()
                thread.join(TIMEOUT)
            self.assertFalse(failures)
        self.assertEqual(during["status"][self.late_deal_id], "won")
        self.assertEqual(during["queued"], [[self.late_deal_id]])
        self.assertEqual(during["values"], before["values"])
        self.assertGreater(
            during["cron_woken"], before["cron_woken"], "the scheduled action was woken"
        )
        with self._cursor() as cr:
            self._env(cr)["okr.key.result"]._cron_fold_pending()
        after = self._state()
        self.assertFalse(after["queued"])
        self.assertEqual(after["won_revenue"], before["won_revenue"] + 25.0)
        self.assertEqual(after["values"], [after["won_revenue"]] * 3)

    def test_a_deal_finding_another_draining_leaves_its_records_to_it(self):
        # Colleagues win deals while a shared key result is busy: one request
        # drains the queue, the others return at once and leave their
        # records to it.
        first_id, second_id = self.drained_deal_ids
        before = self._state()
        with (
            closing(self._cursor()) as cr_b,
            closing(self._cursor()) as cr_a,
            closing(self._cursor()) as cr_c,
            # a second deal that waited for B would wait until B commits
            patch(
                "odoo.addons.okr_sales.engine.queue.AFTER_COMMIT_LOCK_TIMEOUT", "60s"
            ),
        ):
            pid_b = self._lock_company_key_result(cr_b)
            pid_a = self._win_as_salesperson(cr_a, first_id)
            thread_a, failures_a = self._commit_in_thread(cr_a)
            try:
                # The first deal's request drains the queue: it waits for B.
                waiting = self._waiting_for(pid_b, pid_a, thread_a)
                self.assertTrue(waiting, "nothing waited for the busy key result")
                self._win_as_salesperson(cr_c, second_id)
                thread_c, failures_c = self._commit_in_thread(cr_c)
                thread_c.join(TIMEOUT)
                self.assertFalse(thread_c.is_alive(), "the second deal waited for B")
                self.assertTrue(thread_a.is_alive())
                during = self._state()
                self.assertEqual(during["status"][second_id], "won")
                self.assertEqual(during["queued"], [[first_id], [second_id]])
                self.assertEqual(during["values"], before["values"])
            finally:
                cr_b.commit()
                thread_a.join(TIMEOUT)
            self.assertFalse(thread_a.is_alive(), "the processing never ended")
            self.assertFalse(failures_a)
            self.assertFalse(failures_c)
        # The first request took the second deal's records in a later round.
        after = self._state()
        self.assertFalse(after["queued"])
        self.assertEqual(after["won_revenue"], before["won_revenue"] + 20.0)
        self.assertEqual(after["values"], [after["won_revenue"]] * 3)
        self.assertEqual(
            after["contributions"],
            sorted(before["contributions"] + self._contributions(first_id, second_id)),
        )
        self.assertEqual(
            after["cron_woken"], before["cron_woken"], "left to the scheduled action"
        )
