"""A Dagster logger for the terminal: step progress and the assets' own messages only.

Dagster's default console logger prints every engine event at DEBUG. A person running
`salesaudit run` wants to see which step is running, how far it is, and what the steps
report (rows loaded, dbt's "N of M" lines, warnings), so this logger keeps just those.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

STEP_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}
# Engine messages that repeat what a step event already shows.
REDUNDANT_PREFIXES = ("Dependencies for step",)


class ProgressFormatter(logging.Formatter):
    def __init__(self, total_steps: int) -> None:
        super().__init__()
        self.total_steps = total_steps
        self.finished_steps = 0
        self.started_at: dict[str, float] = {}

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        clock = time.strftime("%H:%M:%S")
        if event is None:
            level = "" if record.levelno < logging.WARNING else f"{record.levelname}: "
            return f"{clock}   {level}{meta.get('orig_message', record.getMessage())}"
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started_at[step] = time.monotonic()
            return f"{clock} step {self.finished_steps + 1}/{self.total_steps} started: {step}"
        seconds = time.monotonic() - self.started_at.get(step, time.monotonic())
        self.finished_steps += 1
        if kind == "STEP_SKIPPED":
            return (
                f"{clock} step {self.finished_steps}/{self.total_steps} skipped: {step} "
                "(a step it depends on failed)"
            )
        outcome = "done" if kind == "STEP_SUCCESS" else "FAILED"
        return (
            f"{clock} step {self.finished_steps}/{self.total_steps} {outcome}: {step} "
            f"({seconds:.1f} s)"
        )


class ProgressFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        if event is not None:
            return event.event_type_value in STEP_EVENTS
        message = str(meta.get("orig_message", ""))
        if message.startswith(REDUNDANT_PREFIXES):
            return False
        return record.levelno >= logging.INFO


@dg.logger(
    config_schema={"total_steps": dg.Field(int, default_value=1, description="Steps in the run.")},
    description="Step progress and asset messages for the salesaudit CLI.",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("salesaudit.progress", level=logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ProgressFormatter(init_context.logger_config["total_steps"]))
    handler.addFilter(ProgressFilter())
    logger.addHandler(handler)
    return logger
