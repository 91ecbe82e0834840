"""The `salesaudit` command line: demo, generate, run and prepare-dbt."""

from orchestration.cli.main import main

__all__ = ["main"]
