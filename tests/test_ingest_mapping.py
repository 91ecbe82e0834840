"""Mapping files: validation errors, and loads through renames, value maps and formats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.errors import IngestError
from orchestration.ingest.load import load_dataset
from orchestration.ingest.mapping import plan_sources, read_mapping, read_reporting_defaults

EXPORT_HEADER = "Opportunity ID;Owner;Stage;Value (k);Opened;Closed On;Region\n"
EXPORT_ROWS = (
    "0001;Kim Minjun;Closed Won;1.5;01/02/2024 00:30;29/02/2024;APAC\n"
    "0002;Lee Seoyeon;Closed Lost;;15/01/2024 09:00;01/03/2024;APAC\n"
    "0003;Kim Minjun;Negotiation;2;31/01/2024;;APAC\n"
)
REPS_EXPORT = "Owner,Team\nKim Minjun,Seoul\nLee Seoyeon,Seoul\n"

MAPPING = """
version: 1
reporting:
  currency: krw
  timezone: Asia/Seoul
  fiscal_year_start_month: 4
source:
  timezone: Asia/Seoul
  date_format: "%d/%m/%Y"
  timestamp_format: "%d/%m/%Y %H:%M"
datasets:
  reps:
    files: reps_export.csv
    columns:
      rep_id: Owner
      rep_name: Owner
      team: Team
  deals:
    files: "exports/deals_*.csv"
    delimiter: ";"
    columns:
      deal_id: Opportunity ID
      owner_rep_id: Owner
      amount: Value (k)
      created_at: Opened
      close_date: Closed On
    constants:
      currency: KRW
    values:
      stage:
        from: Stage
        map: {Closed Won: won, Closed Lost: lost}
        default: open
      is_closed:
        from: Stage
        map: {Closed Won: true, Closed Lost: true, Negotiation: false}
      is_won:
        from: Stage
        map: {Closed Won: true, Closed Lost: false, Negotiation: false}
    multipliers:
      amount: 1000
    ignore_columns: [Region]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def export_landing(root: Path, mapping: str = MAPPING) -> tuple[Path, Path]:
    landing = root / "landing"
    write(landing / "reps_export.csv", REPS_EXPORT)
    write(landing / "exports" / "deals_2024.csv", EXPORT_HEADER + EXPORT_ROWS)
    mapping_file = write(root / "mapping.yml", mapping)
    return landing, mapping_file


def plan_error(root: Path, mapping: str) -> str:
    landing, mapping_file = export_landing(root, mapping)
    with pytest.raises(IngestError) as caught:
        plan_sources(landing, mapping_file)
    return str(caught.value)


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("mapped")
    landing, mapping_file = export_landing(root)
    sources = plan_sources(landing, mapping_file)
    connection = duckdb.connect(str(root / "warehouse.duckdb"))
    results = {name: load_dataset(connection, source) for name, source in sources.items()}
    yield connection, results
    connection.close()


def deal(connection: duckdb.DuckDBPyConnection, deal_id: str, column: str):
    return connection.execute(
        f'select "{column}" from raw.deals where deal_id = ?', [deal_id]
    ).fetchone()[0]


def test_reporting_defaults(tmp_path):
    _, mapping_file = export_landing(tmp_path)
    assert read_reporting_defaults(mapping_file) == {
        "currency": "KRW",
        "timezone": "Asia/Seoul",
        "fiscal_year_start_month": 4,
    }


def test_reporting_defaults_absent(tmp_path):
    mapping_file = write(tmp_path / "m.yml", "datasets:\n  reps:\n    files: reps.csv\n")
    assert read_reporting_defaults(mapping_file) == {}


def test_mapped_rows_loaded(mapped):
    _, results = mapped
    assert results["deals"].rows_loaded == 3
    assert results["reps"].rows_loaded == 2
    assert results["accounts"].is_missing


def test_mapped_same_source_column_twice(mapped):
    connection, _ = mapped
    rows = connection.execute("select rep_id, rep_name from raw.reps order by 1").fetchall()
    assert rows == [("Kim Minjun", "Kim Minjun"), ("Lee Seoyeon", "Lee Seoyeon")]


def test_mapped_ids_keep_leading_zeros(mapped):
    connection, _ = mapped
    ids = connection.execute("select deal_id from raw.deals order by _record_number").fetchall()
    assert ids == [("0001",), ("0002",), ("0003",)]


def test_mapped_value_maps(mapped):
    connection, _ = mapped
    rows = connection.execute(
        "select stage, is_closed, is_won from raw.deals order by _record_number"
    ).fetchall()
    assert rows == [("won", True, True), ("lost", True, False), ("open", False, False)]


def test_mapped_constant_and_multiplier(mapped):
    connection, _ = mapped
    assert deal(connection, "0001", "currency") == "KRW"
    assert deal(connection, "0001", "amount") == Decimal("1500.00")
    assert deal(connection, "0002", "amount") is None


def test_mapped_custom_formats(mapped):
    connection, _ = mapped
    assert deal(connection, "0001", "created_at") == datetime(2024, 1, 31, 15, 30)
    assert deal(connection, "0001", "close_date") == date(2024, 2, 29)
    # A date in a timestamp column is midnight in the source zone.
    assert deal(connection, "0003", "created_at") == datetime(2024, 1, 30, 15, 0)


def test_mapped_ignored_column_no_warning(mapped):
    _, results = mapped
    assert results["deals"].warnings == ()


def test_mapped_absent_dataset_warning_names_mapping(mapped):
    _, results = mapped
    assert "not mapped in" in results["activities"].warnings[0]


def test_unmapped_value_without_default_quarantined(tmp_path):
    landing, mapping_file = export_landing(tmp_path)
    write(
        landing / "exports" / "deals_2024.csv",
        EXPORT_HEADER + EXPORT_ROWS + "0004;Kim Minjun;On Hold;1;01/02/2024 10:00;;APAC\n",
    )
    source = plan_sources(landing, mapping_file)["deals"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        result = load_dataset(connection, source)
        rule, reason = connection.execute(
            "select rule, reason from quarantine.deals where _record_number = 4"
        ).fetchone()
    assert result.rows_loaded == 3
    assert rule == "deals.is_closed.type"
    assert "Column 'is_closed'" in reason
    assert "'On Hold' is not in the value map" in reason
    assert "datasets.deals.values.is_closed.map" in reason


def test_missing_reps_mapping_raises(tmp_path):
    landing, mapping_file = export_landing(tmp_path)
    mapping_file.write_text(
        "datasets:\n  contacts:\n    files: reps_export.csv\n    columns: {contact_id: Owner}\n"
    )
    source = plan_sources(landing, mapping_file)["reps"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        with pytest.raises(IngestError, match="does not map the required dataset 'reps'"):
            load_dataset(connection, source)


def test_error_unknown_dataset(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("  deals:\n", "  opportunities:\n"))
    assert "key datasets.opportunities: unknown dataset" in message
    assert "mapping.yml" in message


def test_error_unknown_canonical_column(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("      amount: Value (k)", "      value: X"))
    assert "key datasets.deals.columns.value: unknown column 'value'" in message


def test_error_missing_file(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("reps_export.csv", "owners.csv"))
    assert "key datasets.reps.files: file" in message
    assert "owners.csv not found" in message


def test_error_glob_matches_nothing(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("deals_*.csv", "opps_*.csv"))
    assert "no file in" in message
    assert "'exports/opps_*.csv'" in message


def test_error_source_column_not_in_header(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("owner_rep_id: Owner", "owner_rep_id: owner"))
    assert "key datasets.deals.columns.owner_rep_id" in message
    assert "source column 'owner' is not in the header" in message
    assert "'Owner'" in message


def test_error_value_map_source_not_in_header(tmp_path):
    message = plan_error(
        tmp_path,
        MAPPING.replace(
            "from: Stage\n        map: {Closed Won: won",
            "from: Phase\n        map: {Closed Won: won",
        ),
    )
    assert "key datasets.deals.values.stage.from" in message


def test_error_required_column_not_mapped(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("      owner_rep_id: Owner\n", ""))
    assert "does not map required column 'owner_rep_id'" in message


def test_error_unknown_key(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("    ignore_columns:", "    ignore:"))
    assert "key datasets.deals.ignore: unknown key" in message


def test_error_yaml_boolean_source_value(tmp_path):
    mapping = MAPPING.replace("Negotiation: false}", "Negotiation: false, Yes: true}")
    message = plan_error(tmp_path, mapping)
    assert "Quote the source value" in message


def test_error_invalid_timezone(tmp_path):
    message = plan_error(
        tmp_path, MAPPING.replace("  timezone: Asia/Seoul\n  date", "  timezone: KST\n  date")
    )
    assert "key source.timezone: invalid time zone 'KST'" in message


def test_error_multiplier_on_text_column(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("      amount: 1000", "      currency: 1000"))
    assert "key datasets.deals.multipliers.currency: column 'currency' is not numeric" in message


def test_error_column_set_twice(tmp_path):
    message = plan_error(
        tmp_path,
        MAPPING.replace(
            "      amount: Value (k)", "      amount: Value (k)\n      currency: Region"
        ),
    )
    assert "key datasets.deals.constants.currency" in message
    assert "also set under datasets.deals.columns" in message


def test_error_invalid_yaml(tmp_path):
    message = plan_error(tmp_path, "datasets: [unclosed\n")
    assert "is not valid YAML" in message


def test_error_missing_mapping_file(tmp_path):
    with pytest.raises(IngestError, match="Mapping file .* not found"):
        read_mapping(tmp_path / "absent.yml")


def test_error_invalid_reporting_currency(tmp_path):
    message = plan_error(tmp_path, MAPPING.replace("currency: krw", "currency: won!"))
    assert "key reporting.currency: invalid currency 'won!'" in message


def test_error_unknown_encoding(tmp_path):
    mapping = MAPPING.replace('    delimiter: ";"\n', '    delimiter: ";"\n    encoding: klingon\n')
    message = plan_error(tmp_path, mapping)
    assert "key datasets.deals.encoding: unknown encoding 'klingon'" in message


def test_error_invalid_decimal_separator(tmp_path):
    mapping = MAPPING.replace("  timezone: Asia/Seoul\n  date", '  decimal_separator: ";"\n  date')
    message = plan_error(tmp_path, mapping)
    assert "key source.decimal_separator: invalid decimal separator ';'" in message


def test_error_excel_serial_dates_not_boolean(tmp_path):
    mapping = MAPPING.replace("  timezone: Asia/Seoul\n  date", "  excel_serial_dates: 1\n  date")
    message = plan_error(tmp_path, mapping)
    assert "key source.excel_serial_dates: invalid value 1" in message


def test_source_options_reach_dataset(tmp_path):
    mapping = MAPPING.replace(
        "  timezone: Asia/Seoul\n  date",
        '  encoding: euc-kr\n  decimal_separator: ","\n  excel_serial_dates: true\n'
        "  timezone: Asia/Seoul\n  date",
    )
    landing, mapping_file = export_landing(tmp_path, mapping)
    source = plan_sources(landing, mapping_file)["deals"]
    assert source.encoding == "euc_kr"
    assert source.decimal_separator == ","
    assert source.excel_serial_dates is True


def test_mapped_cp949_decimal_comma_excel_dates(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "reps.csv").write_bytes(
        "담당자;입사일;변경\n김민준;45322;45322,75\n이서연;2024-02-01;\n".encode("cp949")
    )
    (landing / "quotas.csv").write_bytes(
        "담당자;월;목표\n김민준;45292;1.234.567,50\n".encode("cp949")
    )
    mapping_file = write(
        tmp_path / "mapping.yml",
        'source:\n  encoding: cp949\n  delimiter: ";"\n  decimal_separator: ","\n'
        "  excel_serial_dates: true\n  timezone: Asia/Seoul\n"
        "datasets:\n"
        "  reps:\n    files: reps.csv\n"
        "    columns: {rep_id: 담당자, rep_name: 담당자, hired_on: 입사일, updated_at: 변경}\n"
        "  quotas:\n    files: quotas.csv\n"
        "    columns: {rep_id: 담당자, month: 월, quota_amount: 목표}\n"
        "    constants: {currency: KRW}\n",
    )
    sources = plan_sources(landing, mapping_file)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        load_dataset(connection, sources["reps"])
        load_dataset(connection, sources["quotas"])
        reps = connection.execute(
            "select rep_name, hired_on, updated_at from raw.reps order by _record_number"
        ).fetchall()
        quota = connection.execute("select month, quota_amount from raw.quotas").fetchone()
    assert reps[0] == ("김민준", date(2024, 1, 31), datetime(2024, 1, 31, 9, 0))
    assert reps[1] == ("이서연", date(2024, 2, 1), None)
    assert quota == (date(2024, 1, 1), Decimal("1234567.50"))
