"""Marketing campaigns and the e-mail events their sends produce.

E-mail events look like a SendGrid event webhook export: one `processed` per send, then
delivery, bounces, opens, clicks, unsubscribes and spam reports. The export is
at-least-once (some rows appear twice with the same event id), ordered by arrival rather
than occurrence (some events arrive hours late), and opens fetched by privacy proxies
such as Apple Mail Privacy Protection are flagged `is_machine_open`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from orchestration.ingest.datasets import EMAIL_EVENT_TYPES
from orchestration.ingest.sample import names
from orchestration.ingest.sample.crm import Contacts
from orchestration.ingest.sample.period import (
    SECONDS_PER_DAY,
    Period,
    date_of,
    shift_to_weekday,
    utc_seconds,
)
from orchestration.ingest.sample.writer import (
    CalendarDate,
    ColumnFormat,
    Decimal,
    ScrambledId,
    UtcTimestamp,
    category_dtype,
    labels,
)

SITE = "https://www.example.com"
EMAIL_LINK_PATHS = ("/pricing", "/product", "/blog/sales-productivity-audit", "/demo")


@dataclass(frozen=True)
class CampaignPlan:
    """A monthly campaign: e-mail ones have an audience share and a send hour."""

    name: str
    channel: str
    currency: str
    min_cost: float
    max_cost: float
    duration_days: int
    # Share of eligible subscribers an e-mail campaign goes to, 0 for other channels.
    audience_share: float = 0.0
    # Run only in months whose 0-based index in the period is a multiple of this.
    every_months: int = 1


MONTHLY_CAMPAIGNS: tuple[CampaignPlan, ...] = (
    CampaignPlan("{month} 월간 뉴스레터", "email", "KRW", 2e5, 8e5, 1, audience_share=0.9),
    CampaignPlan("{month} Product Update", "email", "KRW", 2e5, 8e5, 1, audience_share=0.7),
    CampaignPlan(
        "Nurture: Sales Productivity ({month})", "email", "KRW", 1e5, 5e5, 1, audience_share=0.5
    ),
    CampaignPlan(
        "Nurture: CRM Automation ({month})", "email", "KRW", 1e5, 5e5, 1, audience_share=0.5
    ),
    CampaignPlan("Webinar Invitation ({month})", "email", "KRW", 1e5, 5e5, 1, audience_share=0.6),
    CampaignPlan(
        "Customer Success Stories ({month})", "email", "KRW", 1e5, 5e5, 1, audience_share=0.55
    ),
    CampaignPlan("Event Follow-up ({month})", "email", "KRW", 1e5, 5e5, 1, audience_share=0.35),
    CampaignPlan("웨비나: 영업 생산성 진단 ({month})", "webinar", "KRW", 3e6, 8e6, 1),
    CampaignPlan("Google Ads KR {month}", "paid_search", "KRW", 15e6, 40e6, 31),
    CampaignPlan("Google Ads US {month}", "paid_search", "USD", 5e3, 15e3, 31),
    CampaignPlan("LinkedIn Ads APAC {month}", "social", "USD", 3e3, 9e3, 31),
    CampaignPlan(
        "Korea Sales Summit, Seoul ({month})", "event", "KRW", 30e6, 90e6, 2, every_months=3
    ),
    CampaignPlan("SaaS Expo Tokyo ({month})", "event", "JPY", 2e6, 6e6, 3, every_months=6),
)


@dataclass(frozen=True, eq=False)
class Campaigns:
    ids: np.ndarray
    id_dtype: pd.CategoricalDtype
    name: np.ndarray
    channel: np.ndarray
    cost: np.ndarray
    currency: np.ndarray
    started_day: np.ndarray
    ended_day: np.ndarray  # -1 while running
    month: np.ndarray  # 0-based month of the period
    send_at: np.ndarray  # UTC epoch seconds of the first send, -1 for other channels
    audience_share: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids)


def build_campaigns(rng: np.random.Generator, period: Period) -> Campaigns:
    rows: list[tuple[CampaignPlan, int]] = [
        (plan, month)
        for month in range(period.months)
        for plan in MONTHLY_CAMPAIGNS
        if month % plan.every_months == 0
    ]
    count = len(rows)
    month = np.array([month for _, month in rows], dtype=np.int64)
    month_starts = period.month_start_days
    month_length = month_starts[month + 1] - month_starts[month]
    duration = np.array([plan.duration_days for plan, _ in rows], dtype=np.int64)
    # Always-on campaigns span their month. Others start on a random weekday of it.
    always_on = duration >= 28
    start_offset = rng.integers(0, np.maximum(month_length - duration, 1))
    drawn_day = month_starts[month] + start_offset
    # Weekend starts move to the Friday before, or to the Monday after at a month's start.
    friday = shift_to_weekday(drawn_day, -1)
    weekday = np.where(friday >= month_starts[month], friday, shift_to_weekday(drawn_day, +1))
    started_day = np.where(always_on, month_starts[month], weekday)
    ended_day = np.where(always_on, month_starts[month + 1] - 1, started_day + duration - 1)
    # The last month's always-on campaigns are still running when the export is taken.
    ended_day = np.where(always_on & (month == period.months - 1), -1, ended_day)

    channel = np.array([plan.channel for plan, _ in rows], dtype=object)
    is_email = channel == "email"
    send_at = np.where(
        is_email, utc_seconds(started_day, 10 * 3600 + rng.integers(0, 1800, count)), -1
    )
    month_labels = [date_of(month_starts[index]).strftime("%Y-%m") for index in month]
    ids = names.sequence_ids("701", 7_000_000_000, count)
    min_cost = np.array([plan.min_cost for plan, _ in rows])
    max_cost = np.array([plan.max_cost for plan, _ in rows])
    return Campaigns(
        ids=ids,
        id_dtype=category_dtype(ids),
        name=np.array(
            [
                plan.name.format(month=label)
                for (plan, _), label in zip(rows, month_labels, strict=True)
            ],
            dtype=object,
        ),
        channel=channel,
        cost=np.round(rng.uniform(min_cost, max_cost) / 1000) * 1000,
        currency=np.array([plan.currency for plan, _ in rows], dtype=object),
        started_day=started_day,
        ended_day=ended_day,
        month=month,
        send_at=send_at,
        audience_share=np.array([plan.audience_share for plan, _ in rows]),
    )


CAMPAIGN_FORMATS: dict[str, ColumnFormat] = {
    "cost": Decimal(2),
    "started_on": CalendarDate(),
    "ended_on": CalendarDate(),
}


def campaigns_frame(campaigns: Campaigns) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": campaigns.ids,
            "campaign_name": campaigns.name,
            "channel": campaigns.channel,
            "cost": campaigns.cost,
            "currency": campaigns.currency,
            "started_on": campaigns.started_day,
            "ended_on": pd.array(
                np.where(campaigns.ended_day >= 0, campaigns.ended_day, None), dtype="Int64"
            ),
        }
    )


HUMAN_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
)
# Machine opens carry a bare agent string, unlike the mail clients people read with.
MACHINE_USER_AGENT = "Mozilla/5.0"
USER_AGENT_DTYPE = category_dtype((*HUMAN_USER_AGENTS, MACHINE_USER_AGENT))
MACHINE_AGENT_CODE = len(HUMAN_USER_AGENTS)
EVENT_TYPE_DTYPE = category_dtype(EMAIL_EVENT_TYPES)
EVENT_CODE = {name: code for code, name in enumerate(EMAIL_EVENT_TYPES)}
FLAG_DTYPE = category_dtype(("false", "true"))

BOUNCE_SHARE = 0.02
DEFERRED_SHARE = 0.01
DROPPED_SHARE = 0.005
BASE_OPEN_PROBABILITY = 0.25
CLICK_SHARE_OF_OPENERS = 0.3
UNSUBSCRIBE_SHARE = 0.004
SPAM_REPORT_SHARE = 0.0005
DUPLICATE_SHARE = 0.015
LATE_SHARE = 0.03

EMAIL_EVENT_FORMATS: dict[str, ColumnFormat] = {
    "event_id": ScrambledId(6_364_136_223_846_793_007, 1_442_695_040_888_963_407),
    "message_id": ScrambledId(2_862_933_555_777_941_757, 3_037_000_493),
    "occurred_at": UtcTimestamp(),
    "received_at": UtcTimestamp(),
}


@dataclass
class _EventColumns:
    """Column arrays of e-mail events being assembled, one list entry per event kind."""

    send: list[np.ndarray] = field(default_factory=list)
    event_type: list[np.ndarray] = field(default_factory=list)
    occurred_at: list[np.ndarray] = field(default_factory=list)
    link: list[np.ndarray] = field(default_factory=list)
    user_agent: list[np.ndarray] = field(default_factory=list)
    machine: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        send: np.ndarray,
        event_type: str,
        occurred_at: np.ndarray,
        link: np.ndarray | None = None,
        user_agent: np.ndarray | None = None,
        machine: np.ndarray | None = None,
    ) -> None:
        """Append events. A missing link, user agent or machine flag is written empty."""
        size = len(send)
        self.send.append(send)
        self.event_type.append(np.full(size, EVENT_CODE[event_type]))
        self.occurred_at.append(occurred_at)
        self.link.append(np.full(size, -1) if link is None else link)
        self.user_agent.append(np.full(size, -1) if user_agent is None else user_agent)
        self.machine.append(np.full(size, -1) if machine is None else machine)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(
            np.concatenate(part)
            for part in (
                self.send,
                self.event_type,
                self.occurred_at,
                self.link,
                self.user_agent,
                self.machine,
            )
        )


def email_event_chunks(
    rng: np.random.Generator, period: Period, campaigns: Campaigns, contacts: Contacts
) -> Iterator[pd.DataFrame]:
    """Yield the e-mail events of each month's sends, in arrival order within the month."""
    email_dtype = category_dtype(contacts.emails)
    open_probability = np.minimum(0.9, BASE_OPEN_PROBABILITY * np.sqrt(contacts.engagement))
    next_send = 1
    next_event = 1
    for month in range(period.months):
        campaign_index = np.flatnonzero((campaigns.month == month) & (campaigns.send_at >= 0))
        sends_contact, sends_campaign, sends_at = _sends(rng, campaigns, contacts, campaign_index)
        send_count = len(sends_contact)
        if send_count == 0:
            continue
        links = [
            f"{SITE}{path}?utm_source=email&utm_medium=email&utm_campaign={campaigns.ids[index]}"
            for index in campaign_index
            for path in EMAIL_LINK_PATHS
        ]
        link_base = np.searchsorted(campaign_index, sends_campaign) * len(EMAIL_LINK_PATHS)
        columns = _events_for_sends(
            rng,
            sends_at,
            link_base,
            contacts.uses_mail_privacy_proxy[sends_contact],
            open_probability[sends_contact],
        )
        send, event_type, occurred_at, link, user_agent, machine = columns.arrays()

        inside = occurred_at < period.end_utc
        send, event_type, occurred_at = send[inside], event_type[inside], occurred_at[inside]
        link, user_agent, machine = link[inside], user_agent[inside], machine[inside]
        count = len(send)
        event_number = np.arange(next_event, next_event + count)
        next_event += count

        delay = rng.integers(1, 90, count)
        late = rng.random(count) < LATE_SHARE
        delay[late] = rng.integers(3600, 48 * 3600, int(late.sum()))
        received_at = occurred_at + delay

        # At-least-once delivery: a duplicate repeats the row and arrives again later.
        duplicate = np.flatnonzero(rng.random(count) < DUPLICATE_SHARE)
        rows = np.concatenate([np.arange(count), duplicate])
        arrival = np.concatenate(
            [received_at, received_at[duplicate] + rng.integers(30, 3600, len(duplicate))]
        )
        rows = rows[np.argsort(arrival, kind="stable")]

        contact = sends_contact[send[rows]]
        yield pd.DataFrame(
            {
                "event_id": event_number[rows],
                "message_id": next_send + send[rows],
                "campaign_id": labels(sends_campaign[send[rows]], campaigns.id_dtype),
                "contact_id": labels(contact, contacts.id_dtype),
                "email": labels(contact, email_dtype),
                "event_type": labels(event_type[rows], EVENT_TYPE_DTYPE),
                "occurred_at": occurred_at[rows],
                "received_at": received_at[rows],
                "url": labels(link[rows], category_dtype(links)),
                "user_agent": labels(user_agent[rows], USER_AGENT_DTYPE),
                "is_machine_open": labels(machine[rows], FLAG_DTYPE),
            }
        )
        next_send += send_count


def _sends(
    rng: np.random.Generator, campaigns: Campaigns, contacts: Contacts, campaign_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (contact, campaign, processed time) per send of the given e-mail campaigns.

    A campaign goes to a random share of the contacts that exist, are subscribed and have
    not unsubscribed at send time. Sends trickle out over the first hour.
    """
    contact_parts, campaign_parts, time_parts = [], [], []
    for index in campaign_index:
        send_at = campaigns.send_at[index]
        eligible = (
            (contacts.created_at <= send_at)
            & (contacts.subscribed_at >= 0)
            & (contacts.subscribed_at <= send_at)
            & ((contacts.unsubscribed_at < 0) | (contacts.unsubscribed_at > send_at))
        )
        chosen = eligible & (rng.random(contacts.count) < campaigns.audience_share[index])
        recipients = np.flatnonzero(chosen)
        contact_parts.append(recipients)
        campaign_parts.append(np.full(len(recipients), index))
        time_parts.append(send_at + rng.integers(0, 3600, len(recipients)))
    if not contact_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(contact_parts), np.concatenate(campaign_parts), np.concatenate(time_parts)


def _events_for_sends(
    rng: np.random.Generator,
    processed_at: np.ndarray,
    link_base: np.ndarray,
    uses_proxy: np.ndarray,
    open_probability: np.ndarray,
) -> _EventColumns:
    """Return the events of each send. `send` in the result indexes the given arrays."""
    columns = _EventColumns()
    delivered, delivered_at = _delivery_events(rng, columns, processed_at)
    openers, first_open, user_agent = _open_events(
        rng, columns, delivered, delivered_at, uses_proxy, open_probability
    )
    _response_events(
        rng, columns, delivered, delivered_at, openers, first_open, user_agent, link_base
    )
    return columns


def _delivery_events(
    rng: np.random.Generator, columns: _EventColumns, processed_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Add processed, bounce, dropped, deferred and delivered events.

    Returns which sends were delivered and when.
    """
    count = len(processed_at)
    send = np.arange(count)
    columns.add(send, "processed", processed_at)
    outcome = rng.random(count)
    bounced = outcome < BOUNCE_SHARE
    dropped = (outcome >= BOUNCE_SHARE) & (outcome < BOUNCE_SHARE + DROPPED_SHARE)
    deferred = (outcome >= BOUNCE_SHARE + DROPPED_SHARE) & (
        outcome < BOUNCE_SHARE + DROPPED_SHARE + DEFERRED_SHARE
    )
    delivered = ~bounced & ~dropped
    for mask, event_type, low, high in (
        (bounced, "bounce", 5, 600),
        (dropped, "dropped", 1, 30),
        (deferred, "deferred", 10, 300),
    ):
        columns.add(
            send[mask], event_type, processed_at[mask] + rng.integers(low, high, int(mask.sum()))
        )
    # A deferred message is retried and delivered minutes to hours later.
    delivered_at = processed_at + np.where(
        deferred, rng.integers(600, 7200, count), rng.integers(1, 60, count)
    )
    columns.add(send[delivered], "delivered", delivered_at[delivered])
    return delivered, delivered_at


def _open_events(
    rng: np.random.Generator,
    columns: _EventColumns,
    delivered: np.ndarray,
    delivered_at: np.ndarray,
    uses_proxy: np.ndarray,
    open_probability: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add machine and human opens. Return human openers, their first open and user agent."""
    count = len(delivered)
    send = np.arange(count)
    # Privacy proxies fetch the tracking pixel minutes after delivery, for every message.
    proxied = send[delivered & uses_proxy]
    columns.add(
        proxied,
        "open",
        delivered_at[proxied] + rng.integers(30, 1800, len(proxied)),
        user_agent=np.full(len(proxied), MACHINE_AGENT_CODE),
        machine=np.ones(len(proxied), dtype=np.int64),
    )

    openers = send[delivered & (rng.random(count) < open_probability)]
    delay = rng.lognormal(np.log(3 * 3600), 1.2, len(openers)).astype(np.int64)
    first_open = delivered_at[openers] + delay
    open_count = rng.geometric(0.55, len(openers))
    open_send = np.repeat(openers, open_count)
    rank = np.arange(len(open_send)) - np.repeat(np.cumsum(open_count) - open_count, open_count)
    reopen_gap = rng.integers(3600, 30 * 3600, len(open_send))
    user_agent = rng.integers(0, len(HUMAN_USER_AGENTS), count)
    columns.add(
        open_send,
        "open",
        np.repeat(first_open, open_count) + rank * reopen_gap,
        user_agent=user_agent[open_send],
        machine=np.zeros(len(open_send), dtype=np.int64),
    )
    return openers, first_open, user_agent


def _response_events(
    rng: np.random.Generator,
    columns: _EventColumns,
    delivered: np.ndarray,
    delivered_at: np.ndarray,
    openers: np.ndarray,
    first_open: np.ndarray,
    user_agent: np.ndarray,
    link_base: np.ndarray,
) -> None:
    """Add clicks and unsubscribes after a human open, and spam reports after delivery."""
    clicked = rng.random(len(openers)) < CLICK_SHARE_OF_OPENERS
    click_count = rng.geometric(0.7, int(clicked.sum()))
    click_send = np.repeat(openers[clicked], click_count)
    click_at = np.repeat(first_open[clicked], click_count) + rng.integers(5, 900, len(click_send))
    link = link_base[click_send] + rng.integers(0, len(EMAIL_LINK_PATHS), len(click_send))
    columns.add(click_send, "click", click_at, link=link, user_agent=user_agent[click_send])

    unsubscribed = rng.random(len(openers)) < UNSUBSCRIBE_SHARE / BASE_OPEN_PROBABILITY
    unsubscribe_at = first_open[unsubscribed] + rng.integers(10, 600, int(unsubscribed.sum()))
    columns.add(openers[unsubscribed], "unsubscribe", unsubscribe_at)

    spam = np.flatnonzero(delivered & (rng.random(len(delivered)) < SPAM_REPORT_SHARE))
    columns.add(
        spam, "spamreport", delivered_at[spam] + rng.integers(600, SECONDS_PER_DAY, len(spam))
    )
