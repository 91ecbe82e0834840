"""Read what dbt itself recorded about a stage's invocations (run_results.json)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DbtRun:
    """A stage's dbt invocations: their summed elapsed time and the slowest nodes of all."""

    stage: str
    invocations: int
    # Sum of each invocation's `elapsed_time`, which leaves out dbt's start-up and parsing.
    elapsed_seconds: float
    # (unique id, execution seconds, status), slowest first.
    slowest: list[tuple[str, float, str]]


def read_dbt_run(stage: str, run_results_paths: Sequence[Path], count: int = 5) -> DbtRun:
    """Read the run_results.json files of one stage into one summary.

    The monthly job runs one dbt invocation per dbt asset group, and the quarterly job
    more, so a stage has several files. Their elapsed times add up because the warehouse
    lock lets only one invocation run at a time.
    """
    elapsed = 0.0
    results = []
    for path in run_results_paths:
        run_results = json.loads(path.read_text())
        elapsed += float(run_results.get("elapsed_time") or 0)
        results.extend(run_results["results"])
    ranked = sorted(results, key=lambda result: result.get("execution_time") or 0, reverse=True)
    return DbtRun(
        stage=stage,
        invocations=len(run_results_paths),
        elapsed_seconds=elapsed,
        slowest=[
            (result["unique_id"], float(result.get("execution_time") or 0), str(result["status"]))
            for result in ranked[:count]
        ],
    )


def dbt_run_text(run: DbtRun, stage_seconds: float | None) -> str:
    """Describe a stage's dbt invocations: their share of its wall time and the slowest nodes."""
    share = "" if stage_seconds is None else f" of the stage's {stage_seconds:,.1f} s"
    lines = [
        f"dbt ran {run.invocations} invocations. Their own elapsed times (run_results.json, "
        f"without dbt's start-up and parsing) add up to {run.elapsed_seconds:,.1f} s{share}. "
        "Slowest nodes (2 threads run nodes side by side, so the times overlap):",
        "",
    ]
    for unique_id, seconds, status in run.slowest:
        lines.append(f"- `{unique_id}`: {seconds:,.1f} s ({status})")
    return "\n".join(lines)
