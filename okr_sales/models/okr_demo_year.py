"""The demo's year so far: what a sales team leaves behind from 1 January to
the day the demo is installed.

The demo files hold the story's named records (the customers, a few deals
and meetings of each salesperson, the objectives and key results); this
model adds the volume of the year around them, so that on any day of the
year the key results stand where a team working at a plausible pace would
(``SALESPEOPLE``, ``COMPANY_PACE``): most on track, a salesperson behind,
the seed's misaligned targets off track. ``okr_demo_practice.xml`` calls
``_okr_demo_build_year`` once, before the history is rebuilt.

How it works: each stream (a salesperson's won deals, lost deals and
prospects, her meetings, the trainings, the reviews, the check-ins of a
manual key result) is laid on the calendar at its yearly rate from 1 January
to today, and what the demo files hold counts toward it (``paced_days``).
Nothing is dated after now. Amounts in VND.

Deterministic: a record's size, customer and hour come from a random
generator seeded with its stream and rank (no other randomness), so two
installs on the same day get the same records.
"""

import calendar
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from odoo import api, fields, models

from ..engine.days import day_of, day_start

# The seed's targets: the company's revenue, each salesperson's, the
# prospects she meets a month.
COMPANY_REVENUE = 300e9
SALESPERSON_REVENUE = 15e9
PROSPECTS_A_MONTH = 50
# Where the company's won revenue stands against its target's pace: the key
# accounts the director handles fill what the salespeople do not win.
COMPANY_PACE = 0.98
# New prospects a salesperson opens a day, and those she carries over from
# last year: about 55 to meet each month, and a conversion rate (won / leads
# created this year) near 18%.
PROSPECTS_A_DAY = 0.19
PROSPECTS_CARRIED_OVER = 40


@dataclass(frozen=True)
class SalesPace:
    """How a demo salesperson works, against the seed's targets."""

    # won revenue, as a share of the pace of her 15 bn target
    revenue: float
    # deals won among those closed
    win_rate: float
    # prospects met a month, as a share of 50
    prospects: float
    # share of last year's customers back by the end of the year
    retention: float
    # last year's customers beyond the demo files' deals (xml ids)
    last_year: tuple
    # customers she may win for the first time this year
    new: tuple


SALESPEOPLE = {
    "lan": SalesPace(
        1.05, 0.32, 1.0, 0.85, ("dientu", "xaydung"), ("hong", "linh", "detmay")
    ),
    "hung": SalesPace(
        0.97, 0.29, 0.95, 0.8, ("khachsan", "baobi", "khoa"), ("thucpham", "nam")
    ),
    "ha": SalesPace(0.8, 0.28, 0.88, 0.6, ("vantai", "resort", "phukien"), ("duoc",)),
}
# Hà wins the company's first deal in Cần Thơ on this day of the year: a new
# province (the others, Đà Nẵng's, come with the demo files' deals).
NEW_PROVINCE_WIN = ("ha", "nongsan", 200)
KEY_ACCOUNTS = ("xaylap", "sieuthi", "khovan", "bienxanh", "thep", "dientu")
KEY_ACCOUNT_WIN_RATE = 0.55

# How the customer came: offline (direct, phone) or online (email, website).
MEDIUMS = ("direct", "phone", "email", "website")
DEAL_SIZES = (0.45, 0.6, 0.75, 0.9, 1.1, 1.3, 1.6, 2.0, 2.4)  # bn VND
KEY_ACCOUNT_SIZES = (2.5, 3.2, 4.0, 4.8, 5.5, 6.5, 8.0)  # bn VND
NEEDS = (
    "Warehouse racking",
    "Office furniture",
    "Cold room",
    "LED lighting upgrade",
    "Security cameras",
    "Shelving for the new branch",
    "Showroom fit-out",
    "Staff canteen equipment",
    "Meeting room furniture",
    "Loading dock equipment",
    "Server room cooling",
    "Archive shelving",
)
HOME_NEEDS = (
    "Home office fit-out",
    "Apartment furniture package",
    "Kitchen renovation",
    "Smart home system",
    "Home security system",
    "Garden lighting",
)
KEY_ACCOUNT_NEEDS = (
    "Distribution centre racking",
    "Head office fit-out",
    "Annual maintenance contract",
    "Cold-chain warehouse",
    "Store furniture roll-out",
    "Factory shelving",
    "Logistics hub lighting",
)
# Prospects are companies not yet customers: "Công ty TNHH <trade> <name>".
PROSPECT_TRADES = (
    "Xây dựng",
    "Thực phẩm",
    "Dệt may",
    "Điện máy",
    "Vận tải",
    "Nội thất",
    "Dược phẩm",
    "Khách sạn",
    "Bao bì",
    "Cơ khí",
)
PROSPECT_NAMES = (
    "Minh Phát",
    "Hòa Bình",
    "Đại Phong",
    "An Khang",
    "Phú Thịnh",
    "Tân Long",
    "Hưng Thịnh",
    "Kim Ngân",
    "Việt Tiến",
    "Nam Sơn",
    "Đông Á",
    "Sao Mai",
    "Hải Âu",
    "Trường An",
    "Gia Bảo",
    "Phúc Hưng",
)
COMPANY_PREFIXES = ("Tổng công ty CP ", "Công ty TNHH ", "Công ty CP ")
QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "dont_notify": True,
}


def paced_days(start, stop, due, sizes, booked=None):
    """``[(day, size)]``: the records to add from ``start`` to ``stop``
    (days, both included) so that a running total keeps pace.

    ``due(day)`` is what the total should have reached by the end of
    ``day``; ``sizes`` yields the new records' sizes in order (1 for a
    count); ``booked`` ``{day: size}`` is what other records add already. A
    record is added on a day while the total falls short of what is due by
    at least half its size."""
    booked = booked or {}
    sizes = iter(sizes)
    size = next(sizes)
    total, added, day = 0.0, [], start
    while day <= stop:
        total += booked.get(day, 0.0)
        while due(day) - total >= size / 2:
            added.append((day, size))
            total += size
            size = next(sizes)
        day += timedelta(days=1)
    return added


def seeded(*key):
    """A random generator of its own for ``key`` (a stream and a rank)."""
    return random.Random("-".join(str(part) for part in key))


def ones():
    """The sizes of records counted one by one (``paced_days``)."""
    while True:
        yield 1


def short_name(name):
    """A company as the deal names say it: without "Công ty TNHH"."""
    for prefix in COMPANY_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def prospect_name(lead):
    """Whom a deal is with, as a meeting's name says it."""
    return short_name(lead.partner_id.name or lead.partner_name or lead.name)


class OkrDemoYear(models.AbstractModel):
    _name = "okr.demo.year"
    _description = "OKR Demo: the Year So Far"

    # ------------------------------------------------------------------
    # THE CALENDAR
    # ------------------------------------------------------------------

    def _okr_demo_today(self):
        return self.env["res.company"]._okr_today()

    def _okr_demo_share(self, day):
        """Share of the year elapsed at the end of ``day``."""
        year_days = 366 if calendar.isleap(day.year) else 365
        return ((day - date(day.year, 1, 1)).days + 1) / year_days

    def _okr_demo_moment(self, day, hour):
        """``hour`` o'clock (local) of ``day`` as Odoo stores it, never
        after now."""
        tz = self.env["res.company"]._okr_tz()
        start = day_start(day, tz)
        moment = start + timedelta(hours=hour)
        now = fields.Datetime.now() - timedelta(minutes=1)
        return max(start, min(moment, now))

    def _okr_demo_customer(self, name):
        return self.env.ref(f"okr_sales.okr_demo_customer_{name}")

    def _okr_demo_last_day(self):
        """The last day records are laid on: yesterday (today on 1 January)."""
        today = self._okr_demo_today()
        return max(date(today.year, 1, 1), today - timedelta(days=1))

    # ------------------------------------------------------------------
    # ENTRY POINT
    # ------------------------------------------------------------------

    @api.model
    def _okr_demo_build_year(self):
        """Add the year's deals, meetings, trainings, reviews and check-ins
        (see the module's docstring)."""
        for login, pace in SALESPEOPLE.items():
            user = self.env.ref(f"okr_sales.okr_user_{login}")
            self._okr_demo_last_year(user, pace)
            self._okr_demo_won_deals(user, pace)
            self._okr_demo_lost_deals(user, pace)
            self._okr_demo_prospects(user)
        self._okr_demo_key_accounts()
        for login, pace in SALESPEOPLE.items():
            self._okr_demo_meetings(self.env.ref(f"okr_sales.okr_user_{login}"), pace)
        self._okr_demo_trainings()
        self._okr_demo_reviews()
        self._okr_demo_checkins()

    # ------------------------------------------------------------------
    # DEALS
    # ------------------------------------------------------------------

    def _okr_demo_leads(self, user, domain):
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("user_id", "=", user.id), *domain], order="date_closed, id")
        )

    def _okr_demo_won(self, user):
        """``{day: revenue}`` and ``[(day, customer)]`` of the deals ``user``
        won this year so far."""
        start = date(self._okr_demo_today().year, 1, 1)
        tz = self.env["res.company"]._okr_tz()
        revenue, customers = {}, []
        for lead in self._okr_demo_leads(
            user,
            [("won_status", "=", "won"), ("date_closed", ">=", day_start(start, tz))],
        ):
            day = day_of(lead.date_closed, tz)
            revenue[day] = revenue.get(day, 0.0) + lead.expected_revenue
            customers.append((day, lead.partner_id))
        return revenue, customers

    def _okr_demo_deal_vals(self, user, team, name, partner, day, life, **vals):
        """A deal of ``user`` on ``partner`` (a customer, or a prospect's
        company name), created ``life`` days before ``day``."""
        created = self._okr_demo_moment(day - timedelta(days=life), 9)
        medium = seeded("medium", name, day).choice(MEDIUMS)
        values = {
            "name": name,
            "type": "opportunity",
            "user_id": user.id,
            "team_id": team.id,
            "medium_id": self.env.ref(f"utm.utm_medium_{medium}").id,
            "create_date": created,
            **vals,
        }
        if isinstance(partner, str):
            values["partner_name"] = partner
        else:
            values["partner_id"] = partner.id
        return values

    def _okr_demo_won_vals(self, user, team, partner, day, amount, rank, needs):
        rng = seeded("won", user.login, rank)
        return self._okr_demo_deal_vals(
            user,
            team,
            f"{short_name(partner.name)}: {rng.choice(needs)}",
            partner,
            day,
            rng.randint(6, 19),
            expected_revenue=amount,
            stage_id=self.env.ref("crm.stage_lead4").id,
            probability=100,
            date_closed=self._okr_demo_moment(day, rng.randint(9, 16)),
        )

    def _okr_demo_last_year(self, user, pace):
        """A deal won last year for each of ``pace.last_year``'s customers
        (whom retention asks back), and the prospects carried over."""
        team = self.env.ref("okr_sales.okr_team_b2b_hanoi")
        year = self._okr_demo_today().year - 1
        vals_list = []
        for rank, name in enumerate(pace.last_year):
            partner = self._okr_demo_customer(name)
            rng = seeded("last-year", user.login, rank)
            day = date(year, 2 + 3 * rank, rng.randint(3, 25))
            amount = rng.choice(DEAL_SIZES) * 1e9
            vals_list.append(
                self._okr_demo_won_vals(
                    user,
                    team,
                    partner,
                    day,
                    amount,
                    f"ly{rank}",
                    self._okr_demo_needs(partner),
                )
            )
        for rank in range(PROSPECTS_CARRIED_OVER):
            day = date(year, 9, 15) + timedelta(
                days=rank * 107 // PROSPECTS_CARRIED_OVER
            )
            vals_list.append(self._okr_demo_prospect_vals(user, team, day, f"ly{rank}"))
        self.env["crm.lead"].with_context(**QUIET).create(vals_list)

    def _okr_demo_needs(self, partner):
        """What a company buys, or a household."""
        return NEEDS if partner.is_company else HOME_NEEDS

    def _okr_demo_won_deals(self, user, pace):
        """Her deals won this year at her pace: last year's customers come
        back at the pace of her retention, the rest are new or repeat."""
        today = self._okr_demo_today()
        start = date(today.year, 1, 1)
        team = self.env.ref("okr_sales.okr_team_b2b_hanoi")
        booked, won = self._okr_demo_won(user)
        last_year = self._okr_demo_leads(
            user,
            [
                ("won_status", "=", "won"),
                ("date_closed", ">=", start.replace(year=start.year - 1)),
                ("date_closed", "<", start),
            ],
        ).partner_id
        rate = SALESPERSON_REVENUE * pace.revenue

        def sizes():
            rank = 0
            while True:
                yield seeded("size", user.login, rank).choice(DEAL_SIZES) * 1e9
                rank += 1

        def due(day):
            return rate * self._okr_demo_share(day)

        vals_list = []
        for rank, (day, amount) in enumerate(
            paced_days(start, self._okr_demo_last_day(), due, sizes(), booked)
        ):
            partner = self._okr_demo_next_customer(user, pace, day, last_year, won)
            won.append((day, partner))
            vals_list.append(
                self._okr_demo_won_vals(
                    user,
                    team,
                    partner,
                    day,
                    amount,
                    rank,
                    self._okr_demo_needs(partner),
                )
            )
        self.env["crm.lead"].with_context(**QUIET).create(vals_list)

    def _okr_demo_next_customer(self, user, pace, day, last_year, won):
        """Who ``user``'s next deal, won on ``day``, is with: the new
        province's customer on its day, else one of last year's customers
        while fewer are back than her retention's pace asks, else a customer
        of hers again."""
        bought = [partner for won_day, partner in won if won_day <= day]
        login, province_customer, province_day = NEW_PROVINCE_WIN
        province_customer = self._okr_demo_customer(province_customer)
        if (
            user.login == login
            and day.timetuple().tm_yday >= province_day
            and province_customer not in bought
        ):
            return province_customer
        back = [partner for partner in last_year if partner in bought]
        due_back = math.ceil(
            len(last_year) * pace.retention * self._okr_demo_share(day)
        )
        waiting = [partner for partner in last_year if partner not in bought]
        if waiting and len(back) < due_back:
            return waiting[0]
        regulars = list(
            dict.fromkeys(back + [self._okr_demo_customer(n) for n in pace.new])
        )
        return seeded("customer", user.login, day).choice(regulars)

    def _okr_demo_lost_deals(self, user, pace):
        """Her deals lost this year, with prospects: as many as her win rate
        leaves beside the deals she won."""
        start = date(self._okr_demo_today().year, 1, 1)
        team = self.env.ref("okr_sales.okr_team_b2b_hanoi")
        tz = self.env["res.company"]._okr_tz()
        won_days = sorted(day for day, _partner in self._okr_demo_won(user)[1])
        lost = self._okr_demo_leads(
            user,
            [("won_status", "=", "lost"), ("date_closed", ">=", day_start(start, tz))],
        )
        booked = {}
        for lead in lost:
            day = day_of(lead.date_closed, tz)
            booked[day] = booked.get(day, 0) + 1
        ratio = (1 - pace.win_rate) / pace.win_rate

        def due(day):
            return ratio * sum(1 for won_day in won_days if won_day <= day)

        reasons = [self.env.ref(f"crm.lost_reason_{n}").id for n in (1, 1, 2, 3)]
        vals_list = []
        for rank, (day, _one) in enumerate(
            paced_days(start, self._okr_demo_last_day(), due, ones(), booked)
        ):
            rng = seeded("lost", user.login, rank)
            prospect = self._okr_demo_prospect(user, f"lost{rank}")
            vals_list.append(
                self._okr_demo_deal_vals(
                    user,
                    team,
                    f"{short_name(prospect)}: {rng.choice(NEEDS)}",
                    prospect,
                    day,
                    rng.randint(20, 60),
                    expected_revenue=rng.choice(DEAL_SIZES) * 1e9,
                    stage_id=self.env.ref("crm.stage_lead2").id,
                    probability=0,
                    active=False,
                    date_closed=self._okr_demo_moment(day, rng.randint(9, 16)),
                    lost_reason_id=rng.choice(reasons),
                )
            )
        self.env["crm.lead"].with_context(**QUIET).create(vals_list)

    def _okr_demo_prospect(self, user, rank):
        """A prospect's company name: "Công ty TNHH <trade> <name>"."""
        rng = seeded("prospect", user.login, rank)
        trade, name = rng.choice(PROSPECT_TRADES), rng.choice(PROSPECT_NAMES)
        return f"{COMPANY_PREFIXES[1]}{trade} {name}"

    def _okr_demo_prospect_vals(self, user, team, day, rank):
        """An open opportunity of a prospect, created on ``day``: no
        expected closing date yet, so no forecast counts it."""
        rng = seeded("open", user.login, rank)
        prospect = self._okr_demo_prospect(user, f"open{rank}")
        age = (self._okr_demo_today() - day).days
        stage = "crm.stage_lead2" if age > 30 else "crm.stage_lead1"
        return self._okr_demo_deal_vals(
            user,
            team,
            f"{short_name(prospect)}: {rng.choice(NEEDS)}",
            prospect,
            day,
            0,
            expected_revenue=rng.choice(DEAL_SIZES) * 1e9,
            stage_id=self.env.ref(stage).id,
        )

    def _okr_demo_prospects(self, user):
        """Her new prospects this year, a few a week."""
        today = self._okr_demo_today()
        start = date(today.year, 1, 1)
        team = self.env.ref("okr_sales.okr_team_b2b_hanoi")
        vals_list = []
        rank = 0
        while True:
            day = start + timedelta(days=int((rank + 0.5) / PROSPECTS_A_DAY))
            if day > self._okr_demo_last_day():
                break
            vals_list.append(self._okr_demo_prospect_vals(user, team, day, rank))
            rank += 1
        self.env["crm.lead"].with_context(**QUIET).create(vals_list)

    def _okr_demo_key_accounts(self):
        """The key accounts the sales director handles: what brings the
        company's won revenue to its pace beside the salespeople's."""
        today = self._okr_demo_today()
        start = date(today.year, 1, 1)
        tz = self.env["res.company"]._okr_tz()
        director = self.env.ref("okr_sales.okr_user_director")
        team = self.env.ref("sales_team.team_sales_department")
        booked = {}
        for lead in (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(
                [
                    ("won_status", "=", "won"),
                    ("date_closed", ">=", day_start(start, tz)),
                    ("company_id", "in", [False, self.env.company.id]),
                ]
            )
        ):
            day = max(start, day_of(lead.date_closed, tz))
            booked[day] = booked.get(day, 0.0) + lead.expected_revenue

        def sizes():
            rank = 0
            while True:
                yield seeded("ka-size", rank).choice(KEY_ACCOUNT_SIZES) * 1e9
                rank += 1

        def due(day):
            return COMPANY_REVENUE * COMPANY_PACE * self._okr_demo_share(day)

        won = paced_days(start, self._okr_demo_last_day(), due, sizes(), booked)
        customers = [self._okr_demo_customer(name) for name in KEY_ACCOUNTS]
        ratio = (1 - KEY_ACCOUNT_WIN_RATE) / KEY_ACCOUNT_WIN_RATE
        vals_list = []
        for rank, (day, amount) in enumerate(won):
            partner = customers[rank % len(customers)]
            vals_list.append(
                self._okr_demo_won_vals(
                    director, team, partner, day, amount, f"ka{rank}", KEY_ACCOUNT_NEEDS
                )
            )
            if int((rank + 1) * ratio) > int(rank * ratio):
                rng = seeded("ka-lost", rank)
                lost_day = max(start, day - timedelta(days=rng.randint(1, 6)))
                customer = rng.choice(customers)
                vals_list.append(
                    self._okr_demo_deal_vals(
                        director,
                        team,
                        f"{short_name(customer.name)}: {rng.choice(KEY_ACCOUNT_NEEDS)}",
                        customer,
                        lost_day,
                        rng.randint(20, 50),
                        expected_revenue=rng.choice(KEY_ACCOUNT_SIZES) * 1e9,
                        stage_id=self.env.ref("crm.stage_lead3").id,
                        probability=0,
                        active=False,
                        date_closed=self._okr_demo_moment(lost_day, 15),
                        lost_reason_id=self.env.ref("crm.lost_reason_2").id,
                    )
                )
        self.env["crm.lead"].with_context(**QUIET).create(vals_list)
