"""RESULTS.md's history part: one further month's cost by history length, and its verdicts."""

from __future__ import annotations

from collections.abc import Sequence

from history import HistoryPoint
from report import cell, ratio
from report_context import machine_lines

HISTORY_HEADING = "## One further month by history length"
# A further month counts as nearly flat when its time at the longest history is at most
# this multiple of its time at the shortest. The limit is this benchmark's own choice.
MAX_FLAT_GROWTH = 1.25
MAX_FURTHER_MONTH_TO_FULL_BUILD = 1 / 5


def history_table(points: Sequence[HistoryPoint]) -> str:
    """Return the table of the three timed runs and their ratios, one row per history length."""
    lines = [
        "| history months | rows (H + 1 months) | further month, whole run s "
        "| further month, dbt only s | full build of H + 1 months s "
        "| whole run / full build | dbt only / full build | peak memory MB "
        "| max load (1 min) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for point in points:
        full = point.full_build.wall_seconds
        whole = point.further_month.wall_seconds
        dbt_only = point.further_month_dbt.wall_seconds
        lines.append(
            f"| {point.history_months} | {point.company.total_rows:,} "
            f"| {_seconds(point.further_month)} | {_seconds(point.further_month_dbt)} "
            f"| {_seconds(point.full_build)} "
            f"| {cell(ratio(whole, full), '{:.2f}')} | {cell(ratio(dbt_only, full), '{:.2f}')} "
            f"| {cell(point.peak_mb, '{:,.0f}')} | {cell(point.max_load_average, '{:.1f}')} |"
        )
    return "\n".join(lines)


def _seconds(measurement) -> str:
    if measurement.wall_seconds is None:
        return measurement.status
    text = f"{measurement.wall_seconds:,.1f}"
    return text if measurement.status == "ok" else f"{text} ({measurement.status})"


def _split(point: HistoryPoint) -> dict[str, float | None]:
    """Split the further month into ingestion, dbt node time and per-run cost, in seconds.

    Ingestion is estimated as the whole run minus the dbt-only run. The node time is the
    dbt-only run's summed run_results.json elapsed times. The per-run cost is the rest of
    the dbt-only run: Dagster's start-up and definitions, the start-up and parsing of the
    three dbt invocations, and publishing the marts.
    """
    whole = point.further_month.wall_seconds
    dbt_only = point.further_month_dbt.wall_seconds
    nodes = point.further_month_dbt_node_seconds
    return {
        "ingestion": None if whole is None or dbt_only is None else whole - dbt_only,
        "dbt nodes": nodes,
        "per-run cost": None if nodes is None or dbt_only is None else dbt_only - nodes,
    }


def breakdown_table(points: Sequence[HistoryPoint]) -> str:
    """Return where the further month's time goes, and the full build's two jobs."""
    lines = [
        "| history months | ingestion (whole run - dbt only) s | dbt nodes of the dbt-only run s "
        "| per-run cost of the dbt-only run s | full build: monthly range s "
        "| full build: quarters s | full build: dbt nodes s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for point in points:
        split = _split(point)
        lines.append(
            f"| {point.history_months} | {cell(split['ingestion'], '{:,.1f}')} "
            f"| {cell(split['dbt nodes'], '{:,.1f}')} "
            f"| {cell(split['per-run cost'], '{:,.1f}')} "
            f"| {cell(point.full_build_monthly_seconds, '{:,.1f}')} "
            f"| {cell(point.full_build_quarterly_seconds, '{:,.1f}')} "
            f"| {cell(point.full_build_node_seconds, '{:,.1f}')} |"
        )
    return "\n".join(lines)


def dominant_cost_lines(points: Sequence[HistoryPoint]) -> list[str]:
    """Name what dominates the further month at the longest history and what grows with it."""
    split_points = [
        (point, split) for point in points if None not in (split := _split(point)).values()
    ]
    if not split_points:
        return []
    longest, split = split_points[-1]
    largest = max(split, key=split.get)
    lines = [
        f"- At {longest.history_months} months of history the whole run's "
        f"{longest.further_month.wall_seconds:,.1f} s split into ingestion "
        f"{split['ingestion']:,.1f} s, dbt nodes {split['dbt nodes']:,.1f} s and per-run cost "
        f"{split['per-run cost']:,.1f} s (Dagster's start-up and definitions, the start-up and "
        f"parsing of three dbt invocations, publishing). The largest part is the {largest}."
    ]
    full = longest.full_build.wall_seconds
    full_nodes = longest.full_build_node_seconds
    if full and full_nodes is not None:
        lines.append(
            f"- A fifth of the full build at {longest.history_months} months is "
            f"{full / 5:,.1f} s, against a per-run cost of {split['per-run cost']:,.1f} s in "
            f"the dbt-only further month alone. The full build's dbt nodes took "
            f"{full_nodes:,.1f} s of its {full:,.1f} s, and the other {full - full_nodes:,.1f} s "
            "is per-run cost of the same kind, paid by two jobs (`monthly_audit` and "
            "`quarterly_reaudit`)."
        )
    if len(split_points) > 1:
        shortest, first_split = split_points[0]
        growth = ratio(split["dbt nodes"], first_split["dbt nodes"])
        line = (
            f"- The dbt-only run's node time went from {first_split['dbt nodes']:,.1f} s at "
            f"{shortest.history_months} months to {split['dbt nodes']:,.1f} s at "
            f"{longest.history_months} months ({cell(growth, '{:.2f}')} x), and ingestion from "
            f"{first_split['ingestion']:,.1f} s to {split['ingestion']:,.1f} s. The raw step "
            "loads every landing file in full on every run, so a further month's ingestion "
            f"read {longest.company.total_rows:,} rows at {longest.history_months} months "
            f"against {shortest.company.total_rows:,} at {shortest.history_months}."
        )
        if longest.slowest_dbt_only_node is not None:
            unique_id, seconds = longest.slowest_dbt_only_node
            line += (
                f" The slowest node of the dbt-only run at {longest.history_months} months was "
                f"`{unique_id}` ({seconds:,.1f} s)."
            )
        lines.append(line)
    return lines


def _growth(points: Sequence[HistoryPoint], attribute: str) -> float | None:
    first = getattr(points[0], attribute).wall_seconds
    last = getattr(points[-1], attribute).wall_seconds
    return ratio(last, first)


def verdict_lines(points: Sequence[HistoryPoint]) -> list[str]:
    """Judge both requirements, for the whole run and for its dbt part, from the table."""
    complete = [
        point
        for point in points
        if None
        not in (
            point.further_month.wall_seconds,
            point.further_month_dbt.wall_seconds,
            point.full_build.wall_seconds,
        )
    ]
    if len(complete) < 2:
        return ["- Fewer than two history lengths finished, so neither target is judged."]
    shortest, longest = complete[0].history_months, complete[-1].history_months
    lines = []
    for attribute, name in (("further_month", "whole run"), ("further_month_dbt", "dbt only")):
        growth = _growth(complete, attribute)
        flat = growth is not None and growth <= MAX_FLAT_GROWTH
        ratios = [
            ratio(getattr(point, attribute).wall_seconds, point.full_build.wall_seconds)
            for point in complete
        ]
        under = all(value < MAX_FURTHER_MONTH_TO_FULL_BUILD for value in ratios)
        ratio_text = ", ".join(
            f"{value:.2f} at {point.history_months}"
            for value, point in zip(ratios, complete, strict=True)
        )
        fifth = (
            "under a fifth of the full build at every length"
            if under
            else "NOT under a fifth of the full build"
        )
        lines.append(
            f"- Further month, {name}: {'nearly flat' if flat else 'NOT nearly flat'} "
            f"({growth:.2f} x from {shortest} to {longest} months of history; the limit is "
            f"{MAX_FLAT_GROWTH:g} x), and {fifth} (ratio {ratio_text})."
        )
    return lines


def render_history_part(
    *,
    command: str,
    run_date: str,
    seed: int,
    scale: float,
    first_month: str,
    repeats: int,
    points: Sequence[HistoryPoint],
    notes: Sequence[str],
    load_at_start: tuple[float, ...],
    load_at_end: tuple[float, ...],
) -> str:
    """Return RESULTS.md's history part, from its heading to its last line."""
    runs = "one run" if repeats == 1 else f"the median of {repeats} runs"
    sections = [
        HISTORY_HEADING,
        "",
        f"Written by `{command}` on {run_date}. Seed {seed}, scale {scale:g}; each company "
        f"starts in {first_month} and has H + 1 months. Every time is {runs} in a fresh "
        "process, on a fresh copy of a warehouse prepared without timing: months 1 to H built "
        "for the further month, raw only for the full build. The full build is the monthly "
        "job without raw over all H + 1 months plus `quarterly_reaudit`, as in the stages "
        "part. The peak is the largest of the three runs. The max load is the largest 1-minute "
        "load average at the end of a timed run. The runs themselves account for about 1 to 2 "
        "of it (an estimate from runs on an idle machine), so a higher figure means other work "
        "competed with them.",
        "",
        *machine_lines(load_at_start, load_at_end),
        "",
        history_table(points),
        "",
        "Where the time goes:",
        "",
        breakdown_table(points),
        "",
        "### Verdicts",
        "",
        *verdict_lines(points),
        *dominant_cost_lines(points),
    ]
    if notes:
        sections += ["", "### Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(sections) + "\n"
