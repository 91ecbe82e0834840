"""The run-failure alert text in English or Korean, formatted for Slack's mrkdwn."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

LOCALE_ENV = "SALESAUDIT_LOCALE"
UI_URL_ENV = "SALESAUDIT_UI_URL"
SUPPORTED_LOCALES = ("en", "ko")
DEFAULT_LOCALE = "en"
# Alerts are often read on a phone. The start of the error shows what failed, and the run page
# in the Dagster UI has the full stack trace.
MAX_ERROR_CHARS = 500
MAX_ERROR_LINES = 3

_LABELS = {
    "en": {
        "title": "Audit run failed",
        "partition": "Partition",
        "run_id": "Run ID",
        "error": "Error",
        "link": "Run details",
        "no_error": "(Dagster reported no error message)",
    },
    "ko": {
        "title": "감사 실행 실패",
        "partition": "대상 기간",
        "run_id": "실행 ID",
        "error": "오류 내용",
        "link": "실행 상세 보기",
        "no_error": "(Dagster가 오류 메시지를 남기지 않았습니다)",
    },
}


def alert_locale() -> str:
    """Return SALESAUDIT_LOCALE (`en` or `ko`, default `en`), raising ValueError for others."""
    configured = os.environ.get(LOCALE_ENV, "").strip().lower()
    if not configured:
        return DEFAULT_LOCALE
    _check_locale(configured, source=LOCALE_ENV)
    return configured


def alert_ui_url() -> str | None:
    """Return SALESAUDIT_UI_URL without a trailing slash, or None when it is unset or empty."""
    configured = os.environ.get(UI_URL_ENV, "").strip().rstrip("/")
    if not configured:
        return None
    parts = urlsplit(configured)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"Invalid {UI_URL_ENV} {configured!r}: use the Dagster UI's base URL, for example "
            "http://127.0.0.1:3000, or unset it to leave the run link out of alerts."
        )
    return configured


def shorten_error(
    error: str, max_chars: int = MAX_ERROR_CHARS, max_lines: int = MAX_ERROR_LINES
) -> str:
    """Keep the first non-blank lines of `error`, at most `max_chars`, marking any cut with …."""
    lines = [line.rstrip() for line in error.strip().splitlines() if line.strip()]
    shortened = "\n".join(lines[:max_lines])
    cut = len(lines) > max_lines
    if len(shortened) > max_chars:
        shortened = shortened[:max_chars].rstrip()
        cut = True
    return f"{shortened} …" if cut else shortened


def run_failure_message(
    job_name: str,
    run_id: str,
    partition: str | None,
    error: str,
    locale: str,
    ui_url: str | None,
) -> str:
    """Build the alert text for a failed run in `locale` (`en` or `ko`)."""
    _check_locale(locale, source="locale")
    labels = _LABELS[locale]
    short_error = shorten_error(error) or labels["no_error"]

    lines = [f"*{labels['title']}: {_escape(job_name)}*"]
    if partition:
        lines.append(f"{labels['partition']}: {_escape(partition)}")
    lines.append(f"{labels['run_id']}: {run_id}")
    lines.append(f"{labels['error']}:")
    lines.extend(f"> {_escape(line)}" for line in short_error.splitlines())
    if ui_url:
        lines.append(f"{labels['link']}: {ui_url.rstrip('/')}/runs/{run_id}")
    return "\n".join(lines)


def _check_locale(locale: str, source: str) -> None:
    if locale not in SUPPORTED_LOCALES:
        accepted = ", ".join(SUPPORTED_LOCALES)
        raise ValueError(
            f"Invalid {source} {locale!r}: use one of {accepted}. Set {LOCALE_ENV} to choose "
            "the language of alerts."
        )


def _escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
