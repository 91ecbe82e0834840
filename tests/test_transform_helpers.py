"""Pure helpers of the transform domain: dbt vars, month parsing, target-folder pruning."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest

from orchestration.settings import AuditSettings
from orchestration.transform.dbt_vars import audit_vars, parse_month, window_environment
from orchestration.transform.project import prune_invocation_dirs, save_partial_parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-01", date(2017, 1, 1)),
        ("2024-12-01", date(2024, 12, 1)),
        (" 2025-03 ", date(2025, 3, 1)),
    ],
)
def test_parse_month_valid(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2017-13", "17-01", "2017/01", "", "January"])
def test_parse_month_invalid(text):
    with pytest.raises(ValueError, match="use YYYY-MM"):
        parse_month(text)


def test_audit_vars_carry_settings():
    settings = AuditSettings(reporting_timezone="America/New_York", reporting_currency="USD")
    dbt_vars = audit_vars(settings)
    assert dbt_vars["reporting_timezone"] == "America/New_York"
    assert dbt_vars["reporting_currency"] == "USD"
    assert "audit_period_start" not in dbt_vars


def test_window_environment_is_half_open():
    window = window_environment(date(2017, 1, 1), date(2018, 1, 1))
    assert window["SALESAUDIT_AUDIT_PERIOD_START"] == "2017-01-01"
    assert window["SALESAUDIT_AUDIT_PERIOD_END"] == "2018-01-01"


def test_open_window_is_empty_text():
    window = window_environment()
    assert window["SALESAUDIT_AUDIT_PERIOD_START"] == ""
    assert window["SALESAUDIT_AUDIT_PERIOD_END"] == ""


def test_window_rejects_empty_range():
    with pytest.raises(ValueError, match="window is empty"):
        window_environment(date(2017, 5, 1), date(2017, 1, 1))
    with pytest.raises(ValueError, match="window is empty"):
        window_environment(date(2017, 5, 1), date(2017, 5, 1))


def test_save_partial_parse_replaces_the_seed_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    invocation = tmp_path / "target" / "salesaudit_dbt_monthly-1"
    invocation.mkdir(parents=True)
    (invocation / "partial_parse.msgpack").write_bytes(b"state")
    saved = save_partial_parse(invocation)
    assert saved == tmp_path / "target" / "partial_parse.msgpack"
    assert saved.read_bytes() == b"state"
    assert save_partial_parse(tmp_path / "missing") is None


def test_prune_keeps_newest_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    now = time.time()
    for index in range(5):
        folder = tmp_path / f"salesaudit_dbt_models-{index}"
        folder.mkdir()
        os.utime(folder, (now + index, now + index))
    (tmp_path / "other_op-1").mkdir()

    deleted = prune_invocation_dirs("salesaudit_dbt_models", keep=2)

    remaining = sorted(path.name for path in tmp_path.iterdir())
    assert len(deleted) == 3
    assert remaining == ["other_op-1", "salesaudit_dbt_models-3", "salesaudit_dbt_models-4"]


def test_manifest_stale_after_a_model_edit():
    from orchestration.transform.project import dbt_project, ensure_manifest, manifest_is_stale

    manifest = ensure_manifest()
    model = dbt_project().project_dir / "models" / "marts" / "kpi_team_monthly.sql"
    original = model.stat()
    try:
        os.utime(model, (original.st_atime, manifest.stat().st_mtime + 10))
        assert manifest_is_stale()
    finally:
        os.utime(model, ns=(original.st_atime_ns, original.st_mtime_ns))
    assert not manifest_is_stale()
