"""Website page views and form submissions.

Known contacts and anonymous visitors browse in short visits. A few contacts return to
the pricing page several times within days: the hot leads that alerts look for. Every
form submission also appears as a `form_submission` web event. Most known visitors are
identified by contact id, and a few only by the e-mail address a tracking script read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.ingest.sample import names
from orchestration.ingest.sample.crm import Accounts, Contacts
from orchestration.ingest.sample.engagement import SITE
from orchestration.ingest.sample.period import SECONDS_PER_DAY, Period, local_days, utc_seconds
from orchestration.ingest.sample.writer import (
    ColumnFormat,
    HashedId,
    JsonObject,
    KoreaTimestamp,
    ScrambledId,
    UtcTimestamp,
    category_dtype,
    labels,
)

WEB_EVENTS_AT_SCALE_1 = 100_000
FORM_SUBMISSIONS_AT_SCALE_1 = 3_000
KNOWN_VISIT_SHARE = 0.58
# Share of known visitors' page views identified by e-mail only, without a contact id.
EMAIL_ONLY_SHARE = 0.03
HOT_LEAD_SHARE = 0.015
MIN_HOT_LEADS = 3
MEAN_PAGES_PER_VISIT = 2.2
PRICING_URL = f"{SITE}/pricing"

# (path, weight) of pages a visit lands on or moves to.
PAGES: tuple[tuple[str, float], ...] = (
    ("/", 0.22),
    ("/product", 0.14),
    ("/product/analytics", 0.07),
    ("/product/automation", 0.06),
    ("/pricing", 0.09),
    ("/pricing?plan=enterprise", 0.02),
    ("/customers", 0.06),
    ("/blog/sales-productivity-audit", 0.08),
    ("/blog/crm-automation", 0.06),
    ("/ko/blog/영업-생산성", 0.04),
    ("/resources/sales-kpi-ebook", 0.04),
    ("/webinars", 0.04),
    ("/about", 0.03),
    ("/careers", 0.03),
    ("/contact", 0.02),
)


@dataclass(frozen=True)
class FormDefinition:
    form_id: str
    path: str
    weight: float
    asks_company: bool
    asks_message: bool


FORMS: tuple[FormDefinition, ...] = (
    FormDefinition("demo-request", "/demo", 0.25, True, True),
    FormDefinition("contact-sales", "/contact-sales", 0.15, True, True),
    FormDefinition("ebook-sales-kpi", "/resources/sales-kpi-ebook", 0.25, True, False),
    FormDefinition("webinar-registration", "/webinars/register", 0.2, True, False),
    FormDefinition("newsletter-signup", "/newsletter", 0.15, False, False),
)
MESSAGES = (
    "견적 요청드립니다. 담당자 연락 부탁드립니다.",
    "We need pricing for 50 seats, billed annually.",
    'Interested in the "Enterprise" plan; please call after 2pm.',
    "CRM 연동(Salesforce, HubSpot) 가능한지 문의드립니다.",
)

WEB_EVENT_FORMATS: dict[str, ColumnFormat] = {
    "event_id": ScrambledId(3_202_034_522_624_059_733, 4_354_685_564_936_845_319),
    "visitor_id": HashedId("visitor-"),
    "occurred_at": UtcTimestamp(),
}
FORM_SUBMISSION_FORMATS: dict[str, ColumnFormat] = {
    "submission_id": ScrambledId(7_046_029_254_386_353_131, 1_013_904_223),
    # Form tools export local time with its offset.
    "submitted_at": KoreaTimestamp(),
    "field_values": JsonObject(
        (
            ("email", "email"),
            ("first_name", "field_first_name"),
            ("last_name", "field_last_name"),
            ("company", "field_company"),
            ("job_title", "field_job_title"),
            ("phone", "field_phone"),
            ("message", "field_message"),
            ("consent_marketing", "field_consent"),
        )
    ),
}
FORM_ID_DTYPE = category_dtype(definition.form_id for definition in FORMS)


@dataclass(frozen=True, eq=False)
class FormSubmissions:
    """One element per submission, in submission order, plus the frame to write."""

    frame: pd.DataFrame
    contact: np.ndarray  # -1 for people not in the CRM yet
    form: np.ndarray  # index into FORMS
    submitted_at: np.ndarray
    emails: np.ndarray

    @property
    def count(self) -> int:
        return len(self.contact)


def build_form_submissions(
    rng: np.random.Generator,
    period: Period,
    scale: float,
    accounts: Accounts,
    contacts: Contacts,
) -> FormSubmissions:
    """Return form fills: most from known contacts, the rest from people not in the CRM yet."""
    count = max(10, round(FORM_SUBMISSIONS_AT_SCALE_1 * scale))
    known = rng.random(count) < 0.7
    weights = contacts.engagement / contacts.engagement.sum()
    contact = np.where(known, rng.choice(contacts.count, count, p=weights), -1)
    earliest = np.where(
        known,
        np.maximum(contacts.created_at[np.maximum(contact, 0)], period.start_utc),
        period.start_utc,
    )
    submitted_at = earliest + (rng.random(count) * (period.end_utc - earliest)).astype(np.int64)
    order = np.argsort(submitted_at, kind="stable")
    contact, known, submitted_at = contact[order], known[order], submitted_at[order]
    safe_contact = np.maximum(contact, 0)

    first, last, first_roman, last_roman = names.people(rng, rng.random(count) < 0.7)
    new_emails = names.email_addresses(
        rng, first_roman, last_roman, np.arange(900_000, 900_000 + count)
    )
    email = np.where(known, contacts.emails[safe_contact], new_emails)
    first = np.where(known, contacts.first_name[safe_contact], first)
    last = np.where(known, contacts.last_name[safe_contact], last)

    form_weights = np.array([definition.weight for definition in FORMS])
    form = rng.choice(len(FORMS), count, p=form_weights / form_weights.sum())
    asks_company = np.array([definition.asks_company for definition in FORMS])[form]
    asks_message = np.array([definition.asks_message for definition in FORMS])[form]
    contact_account = np.where(known, contacts.account[safe_contact], -1)
    company = np.where(
        contact_account >= 0,
        accounts.name[np.maximum(contact_account, 0)],
        names.pick(rng, names.ENGLISH_COMPANY_STEMS, count)
        + " "
        + names.pick(rng, names.ENGLISH_COMPANY_SUFFIXES, count),
    )
    job_title = np.where(
        known, contacts.job_title[safe_contact], names.pick(rng, names.JOB_TITLES, count)
    )
    message = names.pick(rng, MESSAGES, count)

    frame = pd.DataFrame(
        {
            "submission_id": np.arange(1, count + 1),
            "email": email,
            "contact_id": labels(contact, contacts.id_dtype),
            "form_id": labels(form, FORM_ID_DTYPE),
            "submitted_at": submitted_at,
            "field_first_name": first,
            "field_last_name": last,
            "field_company": np.where(asks_company, company, None),
            "field_job_title": np.where(asks_company, job_title, None),
            "field_phone": np.where(asks_message, _phone_numbers(rng, count), None),
            "field_message": np.where(asks_message & (rng.random(count) < 0.6), message, None),
            "field_consent": rng.random(count) < 0.7,
        }
    )
    return FormSubmissions(frame, contact, form, submitted_at, email)


def _phone_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Return mostly Korean mobile numbers. US ones use 555-01xx, reserved for fiction."""
    korean = (
        "+82-10-"
        + pd.Series(rng.integers(1000, 10000, count)).astype(str)
        + "-"
        + pd.Series(rng.integers(1000, 10000, count)).astype(str)
    )
    american = "+1-415-555-01" + pd.Series(rng.integers(0, 100, count)).astype(str).str.zfill(2)
    is_korean = rng.random(count) < 0.85
    return np.where(is_korean, korean.to_numpy(dtype=object), american.to_numpy(dtype=object))


# Web export files are written in slices of this many rows to bound DuckDB's working set.
WEB_CHUNK_ROWS = 500_000
PAGE_VIEW, FORM_SUBMISSION = 0, 1
WEB_EVENT_TYPE_DTYPE = category_dtype(("page_view", "form_submission"))


def web_event_chunks(
    rng: np.random.Generator,
    period: Period,
    scale: float,
    contacts: Contacts,
    forms: FormSubmissions,
) -> list[pd.DataFrame]:
    """Return web events in time order, in frames of at most WEB_CHUNK_ROWS rows.

    A contact's visitor number is its contact index. Anonymous visitors and form
    submitters not in the CRM get numbers after the contacts.
    """
    target = max(200, round(WEB_EVENTS_AT_SCALE_1 * scale))
    hot_contact, hot_at = _hot_lead_views(rng, period, contacts)
    anonymous_pool = max(10, round(target * (1 - KNOWN_VISIT_SHARE) / 3))
    visit_visitor, visit_contact, visit_at, visit_page, visit_email = _visits(
        rng, period, contacts, target - len(hot_contact) - forms.count, anonymous_pool
    )
    form_visitor = np.where(
        forms.contact >= 0, forms.contact, contacts.count + anonymous_pool + np.arange(forms.count)
    )

    page_urls = [f"{SITE}{path}" for path, _ in PAGES]
    # A form may live on a page that is also browsed, so URLs are de-duplicated.
    all_urls = list(dict.fromkeys([*page_urls, *(f"{SITE}{form.path}" for form in FORMS)]))
    form_url_code = np.array([all_urls.index(f"{SITE}{form.path}") for form in FORMS])
    hot_page = np.full(len(hot_contact), page_urls.index(PRICING_URL))

    visitor = np.concatenate([hot_contact, visit_visitor, form_visitor])
    contact = np.concatenate([hot_contact, visit_contact, forms.contact])
    occurred_at = np.concatenate([hot_at, visit_at, forms.submitted_at])
    page = np.concatenate([hot_page, visit_page, form_url_code[forms.form]])
    page_views = len(hot_contact) + len(visit_contact)
    event_type = np.concatenate(
        [np.full(page_views, PAGE_VIEW), np.full(forms.count, FORM_SUBMISSION)]
    )
    hot_email = np.full(len(hot_contact), None, dtype=object)
    email = np.concatenate([hot_email, visit_email, forms.emails])

    url_dtype = category_dtype(all_urls)
    keep = np.flatnonzero(occurred_at < period.end_utc)
    order = keep[np.argsort(occurred_at[keep], kind="stable")]
    frames = []
    for start in range(0, len(order), WEB_CHUNK_ROWS):
        rows = order[start : start + WEB_CHUNK_ROWS]
        frames.append(
            pd.DataFrame(
                {
                    "event_id": np.arange(start + 1, start + 1 + len(rows)),
                    "visitor_id": visitor[rows],
                    "contact_id": labels(contact[rows], contacts.id_dtype),
                    "email": email[rows],
                    "event_type": labels(event_type[rows], WEB_EVENT_TYPE_DTYPE),
                    "page_url": labels(page[rows], url_dtype),
                    "occurred_at": occurred_at[rows],
                }
            )
        )
    return frames


def _hot_lead_views(
    rng: np.random.Generator, period: Period, contacts: Contacts
) -> tuple[np.ndarray, np.ndarray]:
    """Return (contact, time) of repeated pricing-page views by a few contacts within days."""
    burst_days = 7 * SECONDS_PER_DAY
    candidates = np.flatnonzero(contacts.created_at < period.end_utc - burst_days)
    count = min(len(candidates), max(MIN_HOT_LEADS, round(HOT_LEAD_SHARE * contacts.count)))
    weights = contacts.engagement[candidates] / contacts.engagement[candidates].sum()
    leads = rng.choice(candidates, count, replace=False, p=weights)
    earliest = np.maximum(contacts.created_at[leads], period.start_utc)
    latest = period.end_utc - burst_days
    burst_start = earliest + (rng.random(count) * np.maximum(latest - earliest, 0)).astype(np.int64)
    views = rng.integers(3, 7, count)
    span = rng.integers(SECONDS_PER_DAY, 5 * SECONDS_PER_DAY, count)
    lead = np.repeat(np.arange(count), views)
    offset = (rng.random(len(lead)) * span[lead]).astype(np.int64)
    return leads[lead], burst_start[lead] + offset


def _visits(
    rng: np.random.Generator,
    period: Period,
    contacts: Contacts,
    page_views: int,
    anonymous_pool: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (visitor, contact, time, page, e-mail) of ordinary page views in short visits."""
    visit_count = max(1, round(page_views / MEAN_PAGES_PER_VISIT))
    known = rng.random(visit_count) < KNOWN_VISIT_SHARE
    weights = contacts.engagement / contacts.engagement.sum()
    visit_contact = np.where(known, rng.choice(contacts.count, visit_count, p=weights), -1)
    visitor = np.where(
        known, visit_contact, contacts.count + rng.integers(0, anonymous_pool, visit_count)
    )
    earliest = np.where(
        known,
        np.maximum(contacts.created_at[np.maximum(visit_contact, 0)], period.start_utc),
        period.start_utc,
    )
    drawn = earliest + (rng.random(visit_count) * (period.end_utc - earliest)).astype(np.int64)
    # Three visits in four fall between 09:00 and 22:00 Korea time.
    daytime = rng.random(visit_count) < 0.75
    seconds_of_day = np.where(
        daytime,
        rng.integers(9 * 3600, 22 * 3600, visit_count),
        rng.integers(0, SECONDS_PER_DAY, visit_count),
    )
    visit_start = np.maximum(utc_seconds(local_days(drawn), seconds_of_day), earliest)

    pages = rng.geometric(1 / MEAN_PAGES_PER_VISIT, visit_count)
    visit = np.repeat(np.arange(visit_count), pages)
    rank = np.arange(len(visit)) - np.repeat(np.cumsum(pages) - pages, pages)
    occurred_at = visit_start[visit] + rank * rng.integers(20, 240, len(visit))
    page_weights = np.array([weight for _, weight in PAGES])
    page = rng.choice(len(PAGES), len(visit), p=page_weights / page_weights.sum())

    contact = visit_contact[visit]
    email_only = (contact >= 0) & (rng.random(len(visit)) < EMAIL_ONLY_SHARE)
    email = np.where(email_only, contacts.emails[np.maximum(contact, 0)], None)
    contact = np.where(email_only, -1, contact)
    return visitor[visit], contact, occurred_at, page, email
