"""The sample-company generator: contract, determinism and the realism the KPIs depend on.

The company is generated once per module at scale 0.1 (8 reps, about 33,000 activities)
and read back with DuckDB as text, as ingestion first reads it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.datasets import ACTIVITY_TYPES, DATASETS, Dataset
from orchestration.ingest.sample import GenerationSummary, generate_company

SCALE = 0.1
SELLING_TYPES = (
    "call",
    "email",
    "meeting",
    "demo",
    "proposal",
    "social_touch",
    "lead_qualification",
)
TIMESTAMP_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, GenerationSummary, list[str]]:
    out_dir = tmp_path_factory.mktemp("company")
    lines: list[str] = []
    summary = generate_company(out_dir, seed=7, scale=SCALE, progress=lines.append)
    return out_dir, summary, lines


@pytest.fixture(scope="module")
def company(generated: tuple[Path, GenerationSummary, list[str]]) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def con(company: Path) -> duckdb.DuckDBPyConnection:
    """A connection with one all-text table per dataset, as ingestion first reads the files."""
    connection = duckdb.connect()
    for dataset in DATASETS:
        path = str(company / f"{dataset.name}.csv")
        connection.execute(
            f"create table {dataset.name} as "
            "select * from read_csv("
            "?, header = true, all_varchar = true, delim = ',', quote = '\"')",
            [path],
        )
    connection.execute("set TimeZone = 'Asia/Seoul'")
    return connection


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


def column_values(con: duckdb.DuckDBPyConnection, sql: str) -> list[object]:
    return [row[0] for row in con.execute(sql).fetchall()]


# Contract, summary and determinism


def test_generate_writes_every_dataset(company: Path) -> None:
    written = sorted(path.name for path in company.glob("*.csv"))
    assert written == sorted(f"{dataset.name}.csv" for dataset in DATASETS)


def test_generate_leaves_no_partial_files(company: Path) -> None:
    assert [path.name for path in company.iterdir() if path.name.startswith(".")] == []


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.name)
def test_header_matches_contract(company: Path, dataset: Dataset) -> None:
    with (company / f"{dataset.name}.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == dataset.column_names


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.name)
def test_row_count_matches_summary(
    generated: tuple[Path, GenerationSummary, list[str]],
    dataset: Dataset,
) -> None:
    out_dir, summary, _ = generated
    with (out_dir / f"{dataset.name}.csv").open(encoding="utf-8", newline="") as handle:
        data_rows = sum(1 for _ in csv.reader(handle)) - 1
    assert summary.row_counts[dataset.name] == data_rows


def test_every_dataset_has_rows(generated: tuple[Path, GenerationSummary, list[str]]) -> None:
    _, summary, _ = generated
    assert [name for name, rows in summary.row_counts.items() if rows == 0] == []


def test_summary_describes_run(generated: tuple[Path, GenerationSummary, list[str]]) -> None:
    out_dir, summary, _ = generated
    assert (summary.out_dir, summary.seed, summary.scale) == (out_dir, 7, SCALE)
    assert (summary.first_month.isoformat(), summary.last_month.isoformat()) == (
        "2025-01-01",
        "2025-12-01",
    )
    assert (summary.reporting_timezone, summary.reporting_currency) == ("Asia/Seoul", "KRW")


def test_progress_reports_each_dataset(
    generated: tuple[Path, GenerationSummary, list[str]],
) -> None:
    _, summary, lines = generated
    assert lines == [f"{name}: {rows:,} rows" for name, rows in summary.row_counts.items()]


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first = generate_company(tmp_path / "first", seed=11, scale=0.05, months=3)
    second = generate_company(tmp_path / "second", seed=11, scale=0.05, months=3)
    differing = [
        name
        for name in first.row_counts
        if (first.out_dir / f"{name}.csv").read_bytes()
        != (second.out_dir / f"{name}.csv").read_bytes()
    ]
    assert differing == []


def test_other_seed_gives_other_files(tmp_path: Path) -> None:
    first = generate_company(tmp_path / "first", seed=11, scale=0.05, months=3)
    other = generate_company(tmp_path / "other", seed=12, scale=0.05, months=3)
    same = [
        name
        for name in ("activities", "deals", "email_events", "web_events")
        if (first.out_dir / f"{name}.csv").read_bytes()
        == (other.out_dir / f"{name}.csv").read_bytes()
    ]
    assert same == []


def test_start_month_and_length_are_honoured(tmp_path: Path) -> None:
    summary = generate_company(tmp_path, seed=3, scale=0.05, start_month="2024-11", months=3)
    con = duckdb.connect()
    months = con.execute(
        "select min(month), max(month) from read_csv(?, all_varchar = true)",
        [str(tmp_path / "quotas.csv")],
    ).fetchone()
    assert (summary.first_month.isoformat(), summary.last_month.isoformat()) == (
        "2024-11-01",
        "2025-01-01",
    )
    assert months == ("2024-11-01", "2025-01-01")


@pytest.mark.parametrize("dataset", ["contacts", "deals", "email_events", "web_events"])
def test_size_grows_with_scale(
    generated: tuple[Path, GenerationSummary, list[str]], tmp_path: Path, dataset: str
) -> None:
    """Rep count has a floor of 8, so tables that follow it, like activities, are left out."""
    _, summary, _ = generated
    half = generate_company(tmp_path, seed=7, scale=SCALE / 2)
    ratio = summary.row_counts[dataset] / half.row_counts[dataset]
    assert 1.6 < ratio < 2.4


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"scale": 0}, "Invalid scale"),
        ({"start_month": "2025-13"}, "Invalid start month"),
        ({"start_month": "January"}, "Invalid start month"),
        ({"months": 0}, "Invalid month count"),
    ],
)
def test_invalid_arguments_raise(tmp_path: Path, arguments: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_company(tmp_path, **arguments)


# Text formats


TIMESTAMP_COLUMNS = [
    (dataset.name, column.name)
    for dataset in DATASETS
    for column in dataset.columns
    if column.type == "timestamp"
]
DATE_COLUMNS = [
    (dataset.name, column.name)
    for dataset in DATASETS
    for column in dataset.columns
    if column.type == "date"
]


@pytest.mark.parametrize(("dataset", "column"), TIMESTAMP_COLUMNS)
def test_timestamps_carry_offset(con: duckdb.DuckDBPyConnection, dataset: str, column: str) -> None:
    values = column_values(
        con, f'select distinct "{column}" from {dataset} where "{column}" is not null'
    )
    assert [value for value in values if not TIMESTAMP_WITH_OFFSET.match(value)] == []


@pytest.mark.parametrize(("dataset", "column"), DATE_COLUMNS)
def test_dates_are_iso(con: duckdb.DuckDBPyConnection, dataset: str, column: str) -> None:
    values = column_values(
        con, f'select distinct "{column}" from {dataset} where "{column}" is not null'
    )
    assert [value for value in values if not ISO_DATE.match(value)] == []


def test_booleans_are_true_or_false(con: duckdb.DuckDBPyConnection) -> None:
    values = column_values(
        con,
        "select distinct is_closed from deals union select distinct is_won from deals "
        "union select distinct is_machine_open from email_events where is_machine_open is not null",
    )
    assert sorted(values) == ["false", "true"]


def test_activities_mix_utc_and_korea_offsets(con: duckdb.DuckDBPyConnection) -> None:
    offsets = column_values(
        con, "select distinct right(started_at, 6) like '%+09:00' from activities"
    )
    assert sorted(offsets) == [False, True]


def test_ids_keep_leading_zeros(con: duckdb.DuckDBPyConnection) -> None:
    prefixes = column_values(
        con,
        "select distinct left(rep_id, 3) from reps "
        "union select distinct left(account_id, 3) from accounts "
        "union select distinct left(contact_id, 3) from contacts "
        "union select distinct left(deal_id, 3) from deals",
    )
    assert sorted(prefixes) == ["001", "003", "005", "006"]


def test_event_ids_are_19_digits(con: duckdb.DuckDBPyConnection) -> None:
    malformed = scalar(
        con,
        "select count(*) from email_events where not regexp_full_match(event_id, '[0-9]{19}') "
        "or not regexp_full_match(message_id, '[0-9]{19}')",
    )
    assert malformed == 0


def test_event_ids_defeat_integer_parsing(con: duckdb.DuckDBPyConnection) -> None:
    """Some ids start with 0 and some exceed the signed 64-bit range, so only text keeps them."""
    leading_zero = scalar(con, "select count(*) from email_events where event_id like '0%'")
    beyond_bigint = scalar(
        con, "select count(*) from email_events where event_id > '9223372036854775807'"
    )
    assert leading_zero > 0
    assert beyond_bigint > 0


def test_quoted_fields_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    """Commas and double quotes inside values survive RFC-4180 quoting."""
    names = column_values(con, "select account_name from accounts where account_name like '%,%'")
    payloads = column_values(con, "select field_values from form_submissions")
    assert names != []
    assert all(json.loads(payload)["email"] for payload in payloads)


# Reps, teams and quotas


def test_teams_cover_korean_and_us_regions(con: duckdb.DuckDBPyConnection) -> None:
    regions = set(column_values(con, "select distinct region from reps"))
    teams = scalar(con, "select count(distinct team) from reps")
    reps = scalar(con, "select count(*) from reps")
    assert {"Seoul", "US"} <= regions
    assert teams >= 2
    assert reps >= 8


def test_scale_one_company_size(tmp_path: Path) -> None:
    """Only the rep roster is checked at full scale, which one generated month shows."""
    summary = generate_company(tmp_path, seed=7, scale=1.0, months=1)
    con = duckdb.connect()
    teams = con.execute(
        "select count(distinct team) from read_csv(?, all_varchar = true)",
        [str(tmp_path / "reps.csv")],
    ).fetchone()[0]
    assert summary.row_counts["reps"] == 60
    assert teams == 6


def test_managers_are_reps_with_reports(con: duckdb.DuckDBPyConnection) -> None:
    orphans = scalar(
        con,
        "select count(*) from reps where manager_id is not null "
        "and manager_id not in (select rep_id from reps)",
    )
    managers = scalar(con, "select count(distinct manager_id) from reps")
    teams = scalar(con, "select count(distinct team) from reps")
    assert orphans == 0
    assert managers == teams


def test_reps_hired_mid_month_in_period(con: duckdb.DuckDBPyConnection) -> None:
    hired = scalar(
        con,
        "select count(*) from reps where hired_on::date >= date '2025-01-01' "
        "and day(hired_on::date) between 2 and 27",
    )
    assert hired >= 1


def test_reps_leaving_mid_month_in_period(con: duckdb.DuckDBPyConnection) -> None:
    left = scalar(
        con,
        "select count(*) from reps "
        "where left_on::date between date '2025-01-01' and date '2025-12-31' "
        "and day(left_on::date) between 2 and 27",
    )
    assert left >= 1


def test_most_reps_hired_before_period(con: duckdb.DuckDBPyConnection) -> None:
    share = scalar(
        con,
        "select avg((hired_on is null or hired_on::date < date '2025-01-01')::int) from reps",
    )
    assert share > 0.6


EMPLOYED_MONTHS = """
    select rep_id, month
    from reps,
        unnest(generate_series(date '2025-01-01', date '2025-12-01', interval 1 month))
            as months(month)
    where coalesce(hired_on::date, date '1900-01-01') < month + interval 1 month
      and coalesce(left_on::date, date '9999-12-31') >= month
"""


def test_quotas_only_for_employed_months(con: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(
        con,
        f"select count(*) from quotas where (rep_id, month::date) not in ({EMPLOYED_MONTHS})",
    )
    assert outside == 0


def test_some_employed_months_lack_quota(con: duckdb.DuckDBPyConnection) -> None:
    missing = scalar(
        con,
        f"select count(*) from ({EMPLOYED_MONTHS}) as employed "
        "where (rep_id, month) not in (select rep_id, month::date from quotas)",
    )
    assert missing >= 1


def test_quotas_positive_in_krw_or_usd(con: duckdb.DuckDBPyConnection) -> None:
    non_positive = scalar(con, "select count(*) from quotas where quota_amount::decimal(18,2) <= 0")
    currencies = column_values(con, "select distinct currency from quotas order by 1")
    assert non_positive == 0
    assert currencies == ["KRW", "USD"]


def test_usd_quotas_belong_to_us_team(con: duckdb.DuckDBPyConnection) -> None:
    regions = column_values(
        con,
        "select distinct region from quotas join reps using (rep_id) where currency = 'USD'",
    )
    assert regions == ["US"]


# Accounts and contacts


def test_accounts_have_firmographics(con: duckdb.DuckDBPyConnection) -> None:
    filled = con.execute(
        "select avg((industry is not null)::int), avg((employees is not null)::int), "
        "avg((annual_revenue is not null)::int), avg((country is not null)::int), "
        "avg((owner_rep_id is not null)::int) from accounts"
    ).fetchone()
    assert min(filled) > 0.85


def test_contact_emails_use_example_domains(con: duckdb.DuckDBPyConnection) -> None:
    domains = column_values(
        con,
        "select distinct split_part(email, '@', 2) from contacts union "
        "select distinct split_part(email, '@', 2) from form_submissions union "
        "select distinct split_part(email, '@', 2) from reps",
    )
    assert sorted(domains) == ["example.com", "example.net", "example.org"]


def test_contact_emails_unique(con: duckdb.DuckDBPyConnection) -> None:
    duplicates = scalar(con, "select count(*) - count(distinct email) from contacts")
    assert duplicates == 0


def test_contacts_created_across_period(con: duckdb.DuckDBPyConnection) -> None:
    months = scalar(
        con,
        "select count(distinct date_trunc('month', created_at::timestamptz)) from contacts "
        "where created_at::timestamptz >= '2025-01-01 00:00:00+09'",
    )
    earlier = scalar(
        con,
        "select count(*) from contacts where created_at::timestamptz < '2025-01-01 00:00:00+09'",
    )
    assert months == 12
    assert earlier > 0


def test_contacts_subscribe_after_creation(con: duckdb.DuckDBPyConnection) -> None:
    subscribed = scalar(con, "select count(subscribed_at) from contacts")
    unsubscribed = scalar(con, "select count(unsubscribed_at) from contacts")
    out_of_order = scalar(
        con,
        "select count(*) from contacts where subscribed_at::timestamptz < created_at::timestamptz "
        "or unsubscribed_at::timestamptz <= subscribed_at::timestamptz "
        "or (unsubscribed_at is not null and subscribed_at is null)",
    )
    assert subscribed > 0
    assert unsubscribed > 0
    assert out_of_order == 0


def test_contacts_have_fit_fields(con: duckdb.DuckDBPyConnection) -> None:
    filled = con.execute(
        "select avg((budget is not null)::int), avg((company_size is not null)::int), "
        "avg((job_title is not null)::int), avg((industry is not null)::int), "
        "avg((lead_source is not null)::int) from contacts"
    ).fetchone()
    assert min(filled) > 0.5


def test_contact_lifecycle_stages(con: duckdb.DuckDBPyConnection) -> None:
    stages = column_values(con, "select distinct lifecycle_stage from contacts order by 1")
    assert stages == ["customer", "lead", "mql", "opportunity", "other", "sql"]


def test_deal_contacts_created_before_deal(con: duckdb.DuckDBPyConnection) -> None:
    late = scalar(
        con,
        "select count(*) from deals join contacts using (contact_id) "
        "where contacts.created_at::timestamptz > deals.created_at::timestamptz",
    )
    assert late == 0


# Deals and stage history


def test_deal_stages_cover_pipeline(con: duckdb.DuckDBPyConnection) -> None:
    stages = column_values(con, "select distinct stage from deals order by 1")
    assert stages == [
        "closed_lost",
        "closed_won",
        "negotiation",
        "proposal",
        "prospecting",
        "qualification",
    ]


def test_deal_flags_match_stage(con: duckdb.DuckDBPyConnection) -> None:
    inconsistent = scalar(
        con,
        "select count(*) from deals "
        "where is_closed <> (stage in ('closed_won', 'closed_lost'))::varchar "
        "or is_won <> (stage = 'closed_won')::varchar",
    )
    assert inconsistent == 0


def test_closed_at_only_for_closed_deals(con: duckdb.DuckDBPyConnection) -> None:
    inconsistent = scalar(
        con,
        "select count(*) from deals where (closed_at is null) <> (is_closed = 'false') "
        "or (close_date is null) <> (closed_at is null)",
    )
    assert inconsistent == 0


def test_close_date_is_korea_date(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = scalar(
        con,
        "select count(*) from deals where closed_at is not null "
        "and close_date::date <> (closed_at::timestamptz at time zone 'Asia/Seoul')::date",
    )
    assert mismatched == 0


def test_deals_close_inside_period_after_creation(con: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(
        con,
        "select count(*) from deals where closed_at::timestamptz < '2025-01-01 00:00:00+09' "
        "or closed_at::timestamptz >= '2026-01-01 00:00:00+09' "
        "or closed_at::timestamptz <= created_at::timestamptz",
    )
    assert outside == 0


def test_win_rate_is_realistic(con: duckdb.DuckDBPyConnection) -> None:
    win_rate = scalar(con, "select avg((is_won = 'true')::int) from deals where is_closed = 'true'")
    assert 0.15 < win_rate < 0.4


def test_won_deals_with_zero_or_missing_amount(con: duckdb.DuckDBPyConnection) -> None:
    zero = scalar(
        con, "select count(*) from deals where is_won = 'true' and amount::decimal(18,2) = 0"
    )
    missing = scalar(con, "select count(*) from deals where is_won = 'true' and amount is null")
    assert zero >= 1
    assert missing >= 1


def test_deal_amounts_in_krw_and_usd(con: duckdb.DuckDBPyConnection) -> None:
    currencies = set(column_values(con, "select distinct currency from deals"))
    assert {"KRW", "USD"} <= currencies


def test_deal_currencies_have_fx_rates(con: duckdb.DuckDBPyConnection) -> None:
    without_rate = column_values(
        con,
        "select distinct currency from deals where currency <> 'KRW' "
        "and currency not in (select currency from fx_rates)",
    )
    assert without_rate == []


def test_deals_closed_early_on_first_of_month(con: duckdb.DuckDBPyConnection) -> None:
    """Closed 00:00-09:00 Korea time on the 1st: the month differs between Korea and UTC."""
    boundary = con.execute(
        "select count(*), count(*) filter (where is_won = 'true') from deals "
        "where day(closed_at::timestamptz at time zone 'Asia/Seoul') = 1 "
        "and hour(closed_at::timestamptz at time zone 'Asia/Seoul') < 9 "
        "and month(closed_at::timestamptz at time zone 'UTC') "
        "<> month(closed_at::timestamptz at time zone 'Asia/Seoul')"
    ).fetchone()
    assert boundary[0] >= 3
    assert boundary[1] >= 1


def test_stage_history_increases(con: duckdb.DuckDBPyConnection) -> None:
    out_of_order = scalar(
        con,
        "select count(*) from (select entered_at::timestamptz as entered, "
        "lag(entered_at::timestamptz) "
        "over (partition by deal_id order by entered_at::timestamptz) as previous "
        "from deal_stage_history) where entered <= previous",
    )
    assert out_of_order == 0


def test_stage_history_ends_at_current_stage(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = scalar(
        con,
        "select count(*) from deals left join ("
        "select deal_id, arg_max(stage, entered_at::timestamptz) as last_stage "
        "from deal_stage_history group by deal_id) as history using (deal_id) "
        "where last_stage is distinct from stage",
    )
    assert mismatched == 0


def test_stage_history_starts_at_creation(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = scalar(
        con,
        "select count(*) from deals join deal_stage_history as history using (deal_id) "
        "where history.stage = 'prospecting' and history.entered_at <> deals.created_at",
    )
    assert mismatched == 0


def test_deals_past_proposal_have_proposal_row(con: duckdb.DuckDBPyConnection) -> None:
    missing = scalar(
        con,
        "select count(*) from deals where stage in ('negotiation', 'closed_won') "
        "and deal_id not in (select deal_id from deal_stage_history where stage = 'proposal')",
    )
    assert missing == 0


# Exchange rates


def test_fx_rates_cover_every_weekday(con: duckdb.DuckDBPyConnection) -> None:
    missing = scalar(
        con,
        "select count(*) "
        "from generate_series(date '2024-12-20', date '2025-12-31', interval 1 day) as days(day) "
        "where isodow(day) <= 5 and day::date not in "
        "(select rate_date::date from fx_rates where currency = 'USD')",
    )
    assert missing == 0


def test_fx_rates_start_before_period(con: duckdb.DuckDBPyConnection) -> None:
    first = scalar(con, "select min(rate_date::date) from fx_rates")
    assert str(first) < "2025-01-01"


def test_usd_rate_walks_near_1350(con: duckdb.DuckDBPyConnection) -> None:
    low, high, steps = con.execute(
        "select min(rate), max(rate), max(abs(rate - previous) / previous) from ("
        "select rate_to_reporting_currency::double as rate, "
        "lag(rate_to_reporting_currency::double) over (order by rate_date) as previous "
        "from fx_rates where currency = 'USD')"
    ).fetchone()
    assert 1200 < low < high < 1500
    assert steps < 0.03


# Activities and time entries


def test_activities_use_every_type(con: duckdb.DuckDBPyConnection) -> None:
    types = column_values(con, "select distinct activity_type from activities")
    assert sorted(types) == sorted(ACTIVITY_TYPES)


@pytest.mark.parametrize(
    ("activity_type", "low", "high"),
    [
        ("call", 5, 30),
        ("meeting", 30, 90),
        ("travel", 60, 240),
        ("crm_update", 5, 20),
        ("email", 3, 15),
    ],
)
def test_activity_durations_per_type(
    con: duckdb.DuckDBPyConnection, activity_type: str, low: int, high: int
) -> None:
    bounds = con.execute(
        "select min(duration_minutes::double), max(duration_minutes::double) "
        "from activities where activity_type = ?",
        [activity_type],
    ).fetchone()
    assert low <= bounds[0] <= bounds[1] <= high


def test_activities_in_korea_working_hours(con: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(
        con,
        "select count(*) from (select started_at::timestamptz at time zone 'Asia/Seoul' as local "
        "from activities) where isodow(local) > 5 or hour(local) < 9 or hour(local) >= 18",
    )
    assert outside == 0


def test_activities_within_employment(con: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(
        con,
        "select count(*) from ("
        "select (started_at::timestamptz at time zone 'Asia/Seoul')::date as day, "
        "hired_on, left_on "
        "from activities join reps using (rep_id)) "
        "where day < coalesce(hired_on::date, date '1900-01-01') "
        "or day > coalesce(left_on::date, date '9999-12-31')",
    )
    assert outside == 0


def test_internal_activities_have_no_contact(con: duckdb.DuckDBPyConnection) -> None:
    linked = scalar(
        con,
        "select count(*) from activities where activity_type in "
        "('crm_update', 'internal_meeting', 'admin', 'training', 'travel', 'reporting') "
        "and (contact_id is not null or deal_id is not null)",
    )
    assert linked == 0


def test_customer_activities_name_contacts_and_deals(con: duckdb.DuckDBPyConnection) -> None:
    shares = con.execute(
        "select avg((contact_id is not null)::int), avg((deal_id is not null)::int) "
        "from activities where activity_type in ('call', 'email', 'demo', 'proposal')"
    ).fetchone()
    assert shares[0] > 0.5
    assert shares[1] > 0.1


def test_activity_deals_open_at_start(con: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(
        con,
        "select count(*) from activities join deals using (deal_id) "
        "where activities.started_at::timestamptz < deals.created_at::timestamptz "
        "or activities.started_at::timestamptz > deals.closed_at::timestamptz",
    )
    assert outside == 0


def test_activity_source_systems(con: duckdb.DuckDBPyConnection) -> None:
    sources = column_values(con, "select distinct source_system from activities order by 1")
    assert sources == ["calendar", "dialer", "salesforce"]


SELLING_SHARE_PER_REP_MONTH = f"""
    select rep_id,
        date_trunc('month', started_at::timestamptz) as month,
        sum(duration_minutes::double) filter (where activity_type in {SELLING_TYPES})
            / sum(duration_minutes::double) as share,
        count(*) as activity_count
    from activities
    group by all
"""


def test_selling_time_share_near_target(con: duckdb.DuckDBPyConnection) -> None:
    median, within = con.execute(
        "select median(share), avg((share between 0.25 and 0.52)::int) "
        f"from ({SELLING_SHARE_PER_REP_MONTH}) where activity_count >= 100"
    ).fetchone()
    assert 0.33 <= median <= 0.42
    assert within > 0.9


def test_selling_time_share_varies_by_rep(con: duckdb.DuckDBPyConnection) -> None:
    spread = scalar(
        con,
        "select max(rep_share) - min(rep_share) from (select rep_id, median(share) as rep_share "
        f"from ({SELLING_SHARE_PER_REP_MONTH}) where activity_count >= 100 group by rep_id)",
    )
    assert spread > 0.04


def test_time_entries_from_monthly_survey(con: duckdb.DuckDBPyConnection) -> None:
    sources = column_values(con, "select distinct source from time_entries")
    non_positive = scalar(con, "select count(*) from time_entries where hours::double <= 0")
    assert sources == ["monthly_survey"]
    assert non_positive == 0


def test_time_entries_cover_subset_of_reps(con: duckdb.DuckDBPyConnection) -> None:
    surveyed, reps = con.execute(
        "select (select count(distinct rep_id) from time_entries), (select count(*) from reps)"
    ).fetchone()
    assert 1 <= surveyed < reps


def test_time_entries_mostly_whole_months(con: duckdb.DuckDBPyConnection) -> None:
    whole, spanning = con.execute(
        "select count(*) filter (where day(period_start::date) = 1 "
        "and period_end::date = last_day(period_start::date)), "
        "count(*) filter (where month(period_start::date) <> month(period_end::date)) "
        "from time_entries"
    ).fetchone()
    assert whole > 0
    assert whole >= spanning


def test_time_entries_spanning_two_months(con: duckdb.DuckDBPyConnection) -> None:
    spanning = scalar(
        con,
        "select count(*) from time_entries "
        "where day(period_start::date) = 15 and day(period_end::date) = 14 "
        "and month(period_end::date) <> month(period_start::date)",
    )
    assert spanning > 0


def test_time_entry_hours_plausible(con: duckdb.DuckDBPyConnection) -> None:
    low, high = con.execute(
        "select min(total), max(total) from ("
        "select rep_id, period_start, sum(hours::double) as total from time_entries group by all)"
    ).fetchone()
    assert 100 < low <= high < 250


# E-mail events


def test_email_event_types(con: duckdb.DuckDBPyConnection) -> None:
    types = set(column_values(con, "select distinct event_type from email_events"))
    assert {"processed", "delivered", "open", "click", "bounce", "unsubscribe"} <= types


def test_email_duplicates_are_exact(con: duckdb.DuckDBPyConnection) -> None:
    total, distinct_ids, distinct_rows = con.execute(
        "select count(*), count(distinct event_id), "
        "(select count(*) from (select distinct * from email_events)) from email_events"
    ).fetchone()
    duplicate_share = (total - distinct_ids) / total
    assert 0.005 <= duplicate_share <= 0.03
    assert distinct_rows == distinct_ids


def test_email_events_arrive_late(con: duckdb.DuckDBPyConnection) -> None:
    late = scalar(
        con,
        "select count(*) from email_events "
        "where received_at::timestamptz > occurred_at::timestamptz + interval 1 hour",
    )
    early = scalar(
        con,
        "select count(*) from email_events "
        "where received_at::timestamptz < occurred_at::timestamptz",
    )
    assert late > 0
    assert early == 0


def test_email_file_order_is_not_time_order(con: duckdb.DuckDBPyConnection) -> None:
    backwards = scalar(
        con,
        "select count(*) from (select occurred_at::timestamptz as occurred, "
        "lag(occurred_at::timestamptz) over (order by rowid) as previous "
        "from (select *, row_number() over () as rowid from email_events)) "
        "where occurred < previous",
    )
    assert backwards > 0


def test_machine_open_share(con: duckdb.DuckDBPyConnection) -> None:
    share = scalar(
        con,
        "select avg((is_machine_open = 'true')::int) from email_events where event_type = 'open'",
    )
    assert 0.10 <= share <= 0.20


def test_opens_have_user_agent_and_flag(con: duckdb.DuckDBPyConnection) -> None:
    missing = scalar(
        con,
        "select count(*) from email_events where event_type = 'open' "
        "and (user_agent is null or is_machine_open is null)",
    )
    assert missing == 0


def test_email_events_name_contact_and_email(con: duckdb.DuckDBPyConnection) -> None:
    missing = scalar(
        con,
        "select count(*) from email_events "
        "where contact_id is null or email is null or campaign_id is null",
    )
    mismatched = scalar(
        con,
        "select count(*) from email_events join contacts using (contact_id) "
        "where email_events.email <> contacts.email",
    )
    assert missing == 0
    assert mismatched == 0


def test_clicks_have_site_urls(con: duckdb.DuckDBPyConnection) -> None:
    bad = scalar(
        con,
        "select count(*) from email_events where event_type = 'click' "
        "and url not like 'https://www.example.com/%'",
    )
    assert bad == 0


def test_sends_only_to_subscribed_contacts(con: duckdb.DuckDBPyConnection) -> None:
    unsubscribed = scalar(
        con,
        "select count(*) from email_events join contacts using (contact_id) "
        "where event_type = 'processed' and (subscribed_at is null "
        "or subscribed_at::timestamptz > occurred_at::timestamptz "
        "or unsubscribed_at::timestamptz <= occurred_at::timestamptz)",
    )
    assert unsubscribed == 0


# Web events, forms and campaigns


def test_web_page_views_known_and_anonymous(con: duckdb.DuckDBPyConnection) -> None:
    known, anonymous = con.execute(
        "select count(contact_id), count(*) filter (where contact_id is null and email is null) "
        "from web_events where event_type = 'page_view'"
    ).fetchone()
    assert known > 0
    assert anonymous > 0


def test_web_urls_on_example_site(con: duckdb.DuckDBPyConnection) -> None:
    urls = column_values(con, "select distinct page_url from web_events")
    assert [url for url in urls if not url.startswith("https://www.example.com/")] == []
    assert "https://www.example.com/pricing" in urls


def test_hot_leads_revisit_pricing(con: duckdb.DuckDBPyConnection) -> None:
    hot = scalar(
        con,
        "select count(distinct contact_id) from (select contact_id, "
        "count(*) over (partition by contact_id order by occurred_at::timestamptz "
        "range between interval 7 days preceding and current row) as recent "
        "from web_events "
        "where page_url = 'https://www.example.com/pricing' and contact_id is not null) "
        "where recent >= 3",
    )
    assert hot >= 3


def test_form_submissions_appear_as_web_events(con: duckdb.DuckDBPyConnection) -> None:
    unmatched = scalar(
        con,
        "select count(*) from form_submissions where not exists (select 1 from web_events "
        "where event_type = 'form_submission' and web_events.email = form_submissions.email "
        "and web_events.occurred_at::timestamptz = form_submissions.submitted_at::timestamptz)",
    )
    assert unmatched == 0


def test_form_submissions_known_and_new(con: duckdb.DuckDBPyConnection) -> None:
    known, new = con.execute(
        "select count(contact_id), count(*) - count(contact_id) from form_submissions"
    ).fetchone()
    assert known > 0
    assert new > 0


def test_form_field_values_are_json_objects(con: duckdb.DuckDBPyConnection) -> None:
    payloads = column_values(con, "select field_values from form_submissions")
    assert all(isinstance(json.loads(payload), dict) for payload in payloads)


def test_campaign_channels(con: duckdb.DuckDBPyConnection) -> None:
    channels = set(column_values(con, "select distinct channel from campaigns"))
    assert {"email", "webinar", "paid_search", "event"} <= channels


def test_campaign_costs_and_dates(con: duckdb.DuckDBPyConnection) -> None:
    invalid = scalar(
        con,
        "select count(*) from campaigns where cost::double <= 0 or currency is null "
        "or ended_on::date < started_on::date",
    )
    running = scalar(con, "select count(*) from campaigns where ended_on is null")
    assert invalid == 0
    assert running > 0


# Referential integrity


REFERENCES = [
    ("reps", "manager_id", "reps", "rep_id"),
    ("quotas", "rep_id", "reps", "rep_id"),
    ("accounts", "owner_rep_id", "reps", "rep_id"),
    ("contacts", "account_id", "accounts", "account_id"),
    ("contacts", "owner_rep_id", "reps", "rep_id"),
    ("deals", "account_id", "accounts", "account_id"),
    ("deals", "contact_id", "contacts", "contact_id"),
    ("deals", "owner_rep_id", "reps", "rep_id"),
    ("deal_stage_history", "deal_id", "deals", "deal_id"),
    ("activities", "rep_id", "reps", "rep_id"),
    ("activities", "contact_id", "contacts", "contact_id"),
    ("activities", "deal_id", "deals", "deal_id"),
    ("time_entries", "rep_id", "reps", "rep_id"),
    ("email_events", "contact_id", "contacts", "contact_id"),
    ("email_events", "campaign_id", "campaigns", "campaign_id"),
    ("web_events", "contact_id", "contacts", "contact_id"),
    ("web_events", "email", "contacts", "email"),
    ("form_submissions", "contact_id", "contacts", "contact_id"),
]


@pytest.mark.parametrize(("child", "column", "parent", "key"), REFERENCES)
def test_references_resolve(
    con: duckdb.DuckDBPyConnection, child: str, column: str, parent: str, key: str
) -> None:
    condition = "event_type = 'page_view'" if (child, column) == ("web_events", "email") else "true"
    dangling = scalar(
        con,
        f"select count(*) from {child} where {column} is not null and {condition} "
        f"and {column} not in (select {key} from {parent})",
    )
    assert dangling == 0


@pytest.mark.parametrize(
    ("dataset", "key"),
    [
        ("reps", "rep_id"),
        ("accounts", "account_id"),
        ("contacts", "contact_id"),
        ("deals", "deal_id"),
        ("activities", "activity_id"),
        ("web_events", "event_id"),
        ("form_submissions", "submission_id"),
        ("campaigns", "campaign_id"),
    ],
)
def test_keys_unique(con: duckdb.DuckDBPyConnection, dataset: str, key: str) -> None:
    duplicates = scalar(con, f"select count(*) - count(distinct {key}) from {dataset}")
    assert duplicates == 0


def test_quota_and_rate_keys_unique(con: duckdb.DuckDBPyConnection) -> None:
    quota_duplicates = scalar(con, "select count(*) - count(distinct (rep_id, month)) from quotas")
    rate_duplicates = scalar(
        con, "select count(*) - count(distinct (currency, rate_date)) from fx_rates"
    )
    time_entry_duplicates = scalar(
        con,
        "select count(*) - count(distinct (rep_id, period_start, activity_type, source)) "
        "from time_entries",
    )
    assert quota_duplicates == 0
    assert rate_duplicates == 0
    assert time_entry_duplicates == 0
