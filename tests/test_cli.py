"""The command line: help text for every command and argument errors people can act on."""

from __future__ import annotations

import pytest

from orchestration.cli.main import build_parser, main


@pytest.mark.parametrize("command", ["demo", "generate", "run", "prepare-dbt"])
def test_command_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    output = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert command in output


def test_run_help_describes_options(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    output = capsys.readouterr().out
    for option in ("--landing", "--mapping", "--from", "--to", "--warehouse", "--timezone"):
        assert option in output


def test_run_rejects_bad_month(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["run", "--landing", ".", "--from", "2017-13", "--to", "2017-12"])
    assert exit_info.value.code == 2
    assert "Invalid month '2017-13'" in capsys.readouterr().err


def test_run_rejects_reversed_range(tmp_path, capsys):
    code = main(
        [
            "run",
            "--landing",
            str(tmp_path),
            "--from",
            "2017-12",
            "--to",
            "2017-01",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ]
    )
    assert code == 2
    assert "is after --to" in capsys.readouterr().err


def test_run_missing_reps_fails_clearly(tmp_path, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    code = main(
        [
            "run",
            "--landing",
            str(landing),
            "--from",
            "2024-01",
            "--to",
            "2024-01",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ]
    )
    error = capsys.readouterr().err
    assert code == 1
    assert "raw_landing" in error
    assert "reps" in error


def test_run_invalid_currency_no_traceback(tmp_path, capsys):
    code = main(
        [
            "run",
            "--landing",
            str(tmp_path),
            "--from",
            "2017-01",
            "--to",
            "2017-02",
            "--currency",
            "euro",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith("error: Invalid reporting currency 'euro'")
    assert "Traceback" not in error


def test_run_missing_mapping_file(tmp_path, capsys):
    code = main(
        [
            "run",
            "--landing",
            str(tmp_path),
            "--mapping",
            str(tmp_path / "absent.yml"),
            "--from",
            "2017-01",
            "--to",
            "2017-02",
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert "absent.yml not found" in error
