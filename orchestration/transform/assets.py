"""The dbt project as Dagster assets, in four groups by how a run rebuilds them.

- `salesaudit_dbt_models`: seeds, staging of the reference datasets, the reps history
  snapshot and calendars. Not partitioned: every run rebuilds them from raw.
- `salesaudit_dbt_monthly` (dbt tag `monthly`): event staging, facts and monthly marts,
  partitioned by month. A run replaces exactly the months of its partition or partition
  range (incremental models, macros/audit_window.sql).
- `salesaudit_dbt_quarterly` (tag `quarterly`): quarterly marts, partitioned by fiscal
  quarter and summed from the monthly facts.
- `salesaudit_dbt_comparison` (tag `comparison`): period-over-period comparisons over every
  month and quarter built so far, rebuilt in full after each run.

A backfill over a range of months or quarters runs as one dbt invocation over the range
(single-run backfill policy). Every group writes the warehouse, so each takes the
warehouse write lock, and all share the Dagster concurrency pool `salesaudit_warehouse`.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.periods import AuditCalendar, months_from, window_months
from orchestration.report.audited import audited_months_in
from orchestration.resources import AuditSettingsResource
from orchestration.transform.dbt_vars import audit_vars, vars_argument, window_environment
from orchestration.transform.metadata import SalesauditDbtTranslator, with_table_metadata
from orchestration.transform.project import (
    dbt_project,
    ensure_manifest,
    prune_invocation_dirs,
    save_partial_parse,
)
from orchestration.warehouse import WAREHOUSE_POOL, WarehouseResource

PARTITIONED_TAGS = ("monthly", "quarterly", "comparison")


def _window(context: dg.AssetExecutionContext, timezone: str) -> tuple[date | None, date | None]:
    """Return the run's audit window, half-open, or (None, None) for an unpartitioned run."""
    if not context.has_partition_key and not context.has_partition_key_range:
        return None, None
    partitions_def = context.assets_def.partitions_def
    if getattr(partitions_def, "timezone", timezone) != timezone:
        raise dg.Failure(
            description=(
                f"The partitions are months in {partitions_def.timezone}, but the run's "
                f"reporting time zone is {timezone}. Set the time zone once, with "
                "SALESAUDIT_REPORTING_TIMEZONE, before the code location loads, instead of "
                "overriding it in the run's resource config."
            )
        )
    return window_months(context.partition_time_window)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore the previous values."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def require_audited_months(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, calendar: AuditCalendar
) -> None:
    """Fail before building a quarter whose three months have not all been audited.

    A quarter sums its months from the monthly marts, so a month never audited would make
    the quarter silently short.
    """
    expected = months_from(*window_months(context.partition_time_window))
    missing = sorted(set(expected) - audited_months_in(warehouse.database))
    if missing:
        quarters = sorted({calendar.quarter_start(month) for month in missing})
        raise dg.Failure(
            description=(
                f"{', '.join(calendar.quarter_label(quarter) for quarter in quarters)} cannot "
                "be built: these months have not been audited yet (no rows in "
                f"marts.kpi_team_monthly): {', '.join(f'{m:%Y-%m}' for m in missing)}. Run "
                f"monthly_audit for {expected[0]:%Y-%m} to {expected[-1]:%Y-%m} first, then "
                "this run again."
            )
        )


def run_dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    audit_settings: AuditSettingsResource,
):
    """Run `dbt build` for the context's selection and window under the warehouse lock."""
    settings = audit_settings.resolve()
    period_start, period_end = _window(context, settings.reporting_timezone)
    dbt_vars = audit_vars(settings)
    window = window_environment(period_start, period_end)
    context.log.info(f"dbt vars: {dbt_vars}; audit window: {window}")

    # dbt runs as a subprocess that reads the warehouse path (profiles.yml) and the audit
    # window (macros/audit_window.sql) from these variables.
    dbt_environment = {"SALESAUDIT_WAREHOUSE": str(warehouse.database), **window}
    with warehouse.write_lock("dbt build", log=context.log), _environment(dbt_environment):
        invocation = dbt.cli(
            # Unit tests check the SQL on fixed inputs; `make test` runs them (as dbt
            # recommends, in CI rather than on every production run).
            ["build", "--vars", vars_argument(dbt_vars), "--exclude-resource-type", "unit_test"],
            context=context,
            raise_on_error=False,
        )
        events = list(invocation.stream())
        yield from with_table_metadata(events, warehouse, context)
    save_partial_parse(invocation.target_path)
    prune_invocation_dirs(context.op_def.name)
    if not invocation.is_successful():
        raise dg.Failure(
            description=(
                "dbt build failed; the failing models and tests are listed in the log above. "
                f"{invocation.get_error()}"
            )
        )


def _dbt_group(
    name: str,
    description: str,
    before_build=None,
    **selection,
) -> dg.AssetsDefinition:
    """Define one dbt asset group that runs `run_dbt_build` for its selection.

    `selection` contains the `dbt_assets` arguments that differ between groups (select,
    exclude, partitions_def, backfill_policy). `before_build(context, warehouse)` runs
    first when given.
    """

    def build(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        audit_settings: AuditSettingsResource,
    ):
        if before_build is not None:
            before_build(context, warehouse)
        yield from run_dbt_build(context, dbt, warehouse, audit_settings)

    build.__doc__ = description
    return dbt_assets(
        manifest=ensure_manifest(),
        project=dbt_project(),
        dagster_dbt_translator=SalesauditDbtTranslator(),
        name=name,
        pool=WAREHOUSE_POOL,
        **selection,
    )(build)


def build_dbt_assets(calendar: AuditCalendar) -> list[dg.AssetsDefinition]:
    """Return the four dbt asset groups, partitioned by `calendar`'s months and quarters."""

    def check_quarter_months(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.write_lock("quarter check", log=context.log):
            require_audited_months(context, warehouse, calendar)

    return [
        _dbt_group(
            "salesaudit_dbt_models",
            "Build seeds, reference staging, the reps history and calendars, and test them.",
            exclude=" ".join(f"tag:{tag}" for tag in PARTITIONED_TAGS),
        ),
        _dbt_group(
            "salesaudit_dbt_monthly",
            "Replace the partition's months in the event staging, facts and monthly marts.",
            select="tag:monthly",
            partitions_def=calendar.monthly_partitions(),
            backfill_policy=dg.BackfillPolicy.single_run(),
        ),
        _dbt_group(
            "salesaudit_dbt_quarterly",
            "Replace the partition's fiscal quarters in the quarterly marts.",
            before_build=check_quarter_months,
            select="tag:quarterly",
            partitions_def=calendar.quarterly_partitions(),
            backfill_policy=dg.BackfillPolicy.single_run(),
        ),
        _dbt_group(
            "salesaudit_dbt_comparison",
            "Rebuild the period-over-period comparisons from every month and quarter built.",
            select="tag:comparison",
        ),
    ]
