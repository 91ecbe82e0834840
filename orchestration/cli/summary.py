"""CLI output after a run: mart row counts, the team KPIs, or the reasons the run failed."""

from __future__ import annotations

import sys

import dagster as dg
import duckdb

from orchestration.periods import month_start
from orchestration.report.publish import published_path_for
from orchestration.report.quarter_changes import latest_quarter_changes, render_changes_text
from orchestration.report.team_kpis import latest_team_summary, render_text


def mart_row_counts(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    tables = connection.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' order by table_name"
    ).fetchall()
    return [
        (name, connection.execute(f'select count(*) from marts."{name}"').fetchone()[0])
        for (name,) in tables
    ]


def quarantine_row_counts(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Return (dataset, rows) for every quarantine table that contains rows."""
    tables = connection.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'quarantine' order by table_name"
    ).fetchall()
    counts = [
        (name, connection.execute(f'select count(*) from quarantine."{name}"').fetchone()[0])
        for (name,) in tables
    ]
    return [(name, count) for name, count in counts if count]


def print_run_summary(request) -> None:
    with duckdb.connect(str(request.warehouse), read_only=True) as connection:
        counts = mart_row_counts(connection)
        summary = latest_team_summary(connection, month_start(request.end_month))
        quarantined = quarantine_row_counts(connection)
    print()
    print(render_text(summary))
    print()
    print("Marts (rows):")
    for name, count in counts:
        note = "   <- empty, see the warnings above" if count == 0 else ""
        print(f"  marts.{name:<32} {count:>10,}{note}")
    print()
    if quarantined:
        print("Quarantined rows (rule, file and line in each table):")
        for name, count in quarantined:
            print(f"  quarantine.{name:<28} {count:>10,}")
    else:
        print("Quarantined rows: none")
    print()
    print(f"Warehouse: {request.warehouse}")
    published = published_path_for(request.warehouse)
    if published.exists():
        print(f"BI tools: {published} (read-only copy of the marts)")
    docs_index = request.warehouse.parent / "data_docs" / "index.html"
    if docs_index.exists():
        print(f"Data Docs: {docs_index}")


def print_quarter_changes(request, quarters: list[str]) -> None:
    """Print the latest audited quarter's team KPI changes against the quarter before."""
    if not quarters:
        print("No complete fiscal quarter in the audited months, so no quarter comparison.")
        return
    with duckdb.connect(str(request.warehouse), read_only=True) as connection:
        changes = latest_quarter_changes(connection)
    print()
    print(render_changes_text(changes))


def _without_class_path(message: str) -> str:
    """Drop a leading 'package.module.ErrorClass: ' that Dagster puts before the message."""
    head, separator, rest = message.partition(": ")
    if separator and " " not in head and "." in head:
        return rest
    return message


def blocking_check_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    """Return one message per failed ERROR-severity asset check: the asset, check and why."""
    messages = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        why = evaluation.description or "see the check's metadata in the Dagster UI"
        messages.append(f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}: {why}")
    return messages


def failure_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    """Return why the run failed: each failed blocking check, then each failed step's error."""
    messages = blocking_check_messages(result)
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        error = event.event_specific_data.error
        while (
            error is not None
            and error.cause is not None
            and "DagsterExecutionStepExecutionError" in (error.cls_name or "")
        ):
            error = error.cause
        if error is not None and error.cls_name == "DagsterAssetCheckFailedError" and messages:
            continue  # The failed checks above already give the reason.
        text = _without_class_path(error.message.strip()) if error is not None else "unknown error"
        messages.append(f"{event.step_key}: {text}")
    return messages


def print_failure(result: dg.ExecuteInProcessResult, request) -> None:
    print("\nThe audit run failed.", file=sys.stderr)
    for message in failure_messages(result) or ["no step reported an error; see the log above"]:
        print(f"  {message}", file=sys.stderr)
    if request.warehouse.exists():
        print(
            f"Warehouse: {request.warehouse}. Datasets loaded before the failure are kept; "
            "the steps after it did not run.",
            file=sys.stderr,
        )
    else:
        print(f"No warehouse was written at {request.warehouse}.", file=sys.stderr)
