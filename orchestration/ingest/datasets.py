"""The canonical landing model: every dataset a connector lands, its columns and types.

Every connector (native landing folder, CSV export with a mapping file, later CRM APIs)
produces these datasets, and ingestion creates `raw.<dataset>` with exactly these columns
plus `_source_file` and `_record_number`. dbt's `_sources.yml` must list the same columns;
a test compares the two.

To add a column: append a `Column` here, add it to `dbt_project/models/staging/_sources.yml`
and to the staging model that reads it. Identifiers are always `text`, so leading zeros and
19-digit ids survive. Timestamps land in UTC (`timestamp`, no zone); a date-only value is a
calendar date and is never shifted between zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# DuckDB types of the raw layer. Money is a decimal with a currency column beside it.
TEXT = "varchar"
INTEGER = "bigint"
DECIMAL = "decimal(18,2)"
RATE = "decimal(18,8)"
HOURS = "decimal(12,4)"
BOOLEAN = "boolean"
TIMESTAMP = "timestamp"
DATE = "date"

ACTIVITY_TYPES: tuple[str, ...] = (
    "call",
    "email",
    "meeting",
    "demo",
    "proposal",
    "social_touch",
    "lead_research",
    "account_research",
    "lead_qualification",
    "content_creation",
    "content_search",
    "crm_update",
    "reporting",
    "internal_meeting",
    "admin",
    "training",
    "travel",
    "other",
)

# SendGrid's event webhook names, which most email platforms can be mapped onto.
EMAIL_EVENT_TYPES: tuple[str, ...] = (
    "processed",
    "delivered",
    "deferred",
    "dropped",
    "bounce",
    "open",
    "click",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
)

WEB_EVENT_TYPES: tuple[str, ...] = ("page_view", "form_submission")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    """One landing dataset: what one row is, its key, and its columns in landing order."""

    name: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # A required dataset must be present in every landing. An optional one may be missing,
    # and the marts that need it then lack its figures, with a warning.
    required: bool = False
    description: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(column.name for column in self.columns))

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"Dataset {self.name!r} has no column {name!r}")


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


UPDATED_AT = ("updated_at", TIMESTAMP, False, "When the source last changed the row, in UTC.")

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="reps",
        grain="one row per sales rep (CRM owner)",
        key=("rep_id",),
        required=True,
        columns=_cols(
            ("rep_id", TEXT, True, "The rep's CRM owner id."),
            ("rep_name", TEXT),
            ("email", TEXT),
            ("team", TEXT),
            ("manager_id", TEXT),
            ("region", TEXT),
            ("hired_on", DATE, False, "First working day; empty means employed before any data."),
            ("left_on", DATE, False, "Last working day; empty means still employed."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="quotas",
        grain="one row per rep and month",
        key=("rep_id", "month"),
        columns=_cols(
            ("rep_id", TEXT, True),
            ("month", DATE, True, "First day of the quota month."),
            ("quota_amount", DECIMAL, True, "Full-month quota in `currency`."),
            ("currency", TEXT, True, "ISO 4217 code."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="accounts",
        grain="one row per company",
        key=("account_id",),
        columns=_cols(
            ("account_id", TEXT, True),
            ("account_name", TEXT),
            ("industry", TEXT),
            ("employees", INTEGER),
            ("annual_revenue", DECIMAL),
            ("country", TEXT),
            ("owner_rep_id", TEXT),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="contacts",
        grain="one row per lead or contact",
        key=("contact_id",),
        columns=_cols(
            ("contact_id", TEXT, True),
            ("email", TEXT),
            ("first_name", TEXT),
            ("last_name", TEXT),
            ("account_id", TEXT),
            ("owner_rep_id", TEXT),
            ("lifecycle_stage", TEXT, False, "lead, mql, sql, opportunity, customer or other."),
            ("lead_source", TEXT),
            ("created_at", TIMESTAMP),
            ("subscribed_at", TIMESTAMP),
            ("unsubscribed_at", TIMESTAMP),
            ("budget", DECIMAL, False, "Fit field: stated budget in the reporting currency."),
            ("company_size", TEXT, False, "Fit field: employee band such as 1-10 or 1000+."),
            ("job_title", TEXT, False, "Fit field."),
            ("industry", TEXT, False, "Fit field."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="deals",
        grain="one row per opportunity",
        key=("deal_id",),
        columns=_cols(
            ("deal_id", TEXT, True),
            ("account_id", TEXT),
            ("contact_id", TEXT, False, "The deal's primary contact."),
            ("owner_rep_id", TEXT, True),
            ("stage", TEXT, True, "The CRM stage name as the source spells it."),
            ("is_closed", BOOLEAN, True),
            ("is_won", BOOLEAN, True),
            ("amount", DECIMAL, False, "Deal amount in `currency`."),
            ("currency", TEXT),
            ("created_at", TIMESTAMP),
            ("closed_at", TIMESTAMP, False, "Close time in UTC, when the source has one."),
            ("close_date", DATE, False, "Close date when the source has only a date."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="deal_stage_history",
        grain="one row per deal and stage entry",
        key=("deal_id", "stage", "entered_at"),
        columns=_cols(
            ("deal_id", TEXT, True),
            ("stage", TEXT, True),
            ("entered_at", TIMESTAMP, True),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="activities",
        grain="one row per logged activity",
        key=("activity_id",),
        columns=_cols(
            ("activity_id", TEXT, True),
            ("rep_id", TEXT, True),
            ("activity_type", TEXT, True, "One of the activity vocabulary."),
            ("started_at", TIMESTAMP, True),
            ("duration_minutes", DECIMAL, False),
            ("contact_id", TEXT),
            ("deal_id", TEXT),
            ("source_system", TEXT),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="time_entries",
        grain="one row per rep, period and activity type (self-reported, e.g. a survey)",
        key=("rep_id", "period_start", "activity_type", "source"),
        columns=_cols(
            ("rep_id", TEXT, True),
            ("period_start", DATE, True, "First day covered, inclusive."),
            ("period_end", DATE, True, "Last day covered, inclusive."),
            ("activity_type", TEXT, True),
            ("hours", HOURS, True),
            ("source", TEXT, True, "Where the figure comes from, e.g. monthly_survey."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="email_events",
        grain="one row per email event as delivered by the sender (duplicates possible)",
        key=("event_id",),
        columns=_cols(
            ("event_id", TEXT, True),
            ("message_id", TEXT),
            ("campaign_id", TEXT),
            ("contact_id", TEXT),
            ("email", TEXT),
            ("event_type", TEXT, True),
            ("occurred_at", TIMESTAMP, True, "When the event happened."),
            ("received_at", TIMESTAMP, False, "When the webhook or export delivered it."),
            ("url", TEXT),
            ("user_agent", TEXT),
            ("is_machine_open", BOOLEAN, False, "Set when the sender flags a machine open."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="web_events",
        grain="one row per page view or form submission",
        key=("event_id",),
        columns=_cols(
            ("event_id", TEXT, True),
            ("visitor_id", TEXT),
            ("contact_id", TEXT),
            ("email", TEXT),
            ("event_type", TEXT, True),
            ("page_url", TEXT),
            ("occurred_at", TIMESTAMP, True),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="form_submissions",
        grain="one row per form fill",
        key=("submission_id",),
        columns=_cols(
            ("submission_id", TEXT, True),
            ("email", TEXT),
            ("contact_id", TEXT),
            ("form_id", TEXT, True),
            ("submitted_at", TIMESTAMP, True),
            ("field_values", TEXT, False, "The submitted fields as a JSON object."),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="campaigns",
        grain="one row per marketing campaign",
        key=("campaign_id",),
        columns=_cols(
            ("campaign_id", TEXT, True),
            ("campaign_name", TEXT),
            ("channel", TEXT),
            ("cost", DECIMAL),
            ("currency", TEXT),
            ("started_on", DATE),
            ("ended_on", DATE),
            UPDATED_AT,
        ),
    ),
    Dataset(
        name="fx_rates",
        grain="one row per currency and date",
        key=("currency", "rate_date"),
        columns=_cols(
            ("currency", TEXT, True),
            ("rate_date", DATE, True),
            ("rate_to_reporting_currency", RATE, True, "Reporting-currency units per 1 unit."),
            UPDATED_AT,
        ),
    ),
)

DATASETS_BY_NAME: dict[str, Dataset] = {dataset.name: dataset for dataset in DATASETS}

# Lineage columns every raw table carries after the dataset's own columns.
RAW_LINEAGE_COLUMNS: tuple[Column, ...] = (
    Column("_source_file", TEXT, True, "The landing file the row was read from."),
    Column("_record_number", INTEGER, True, "1-based data record number within that file."),
)


def dataset(name: str) -> Dataset:
    try:
        return DATASETS_BY_NAME[name]
    except KeyError as err:
        known = ", ".join(DATASETS_BY_NAME)
        raise KeyError(f"Unknown dataset {name!r}; known datasets: {known}") from err


def raw_table_ddl(ds: Dataset, schema: str = "raw") -> str:
    """Return `create or replace table` DDL for the dataset's raw table, lineage columns last."""
    columns = [*ds.columns, *RAW_LINEAGE_COLUMNS]
    body = ",\n    ".join(f'"{column.name}" {column.type}' for column in columns)
    return f'create or replace table {schema}."{ds.name}" (\n    {body}\n)'
