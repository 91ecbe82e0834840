"""Loading the native landing layout into raw.<dataset> with DuckDB's CSV reader."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.datasets import DATASETS, RAW_LINEAGE_COLUMNS
from orchestration.ingest.errors import IngestError
from orchestration.ingest.load import LoadResult, load_dataset
from orchestration.ingest.mapping import plan_sources

NATIVE_DIR = Path(__file__).parent / "fixtures" / "ingest" / "native"

REPS_HEADER = "rep_id,rep_name,email,team,manager_id,region,hired_on,left_on,updated_at\n"
DEALS_HEADER = (
    "deal_id,account_id,contact_id,owner_rep_id,stage,is_closed,is_won,amount,currency,"
    "created_at,closed_at,close_date,updated_at\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_all(
    landing: Path, database: Path, timezone: str = "Asia/Seoul"
) -> tuple[duckdb.DuckDBPyConnection, dict[str, LoadResult]]:
    connection = duckdb.connect(str(database))
    sources = plan_sources(landing, default_timezone=timezone)
    results = {name: load_dataset(connection, source) for name, source in sources.items()}
    return connection, results


def load_one(landing: Path, database: Path, name: str, timezone: str = "Asia/Seoul"):
    connection = duckdb.connect(str(database))
    source = plan_sources(landing, default_timezone=timezone)[name]
    return connection, load_dataset(connection, source)


def deal(connection: duckdb.DuckDBPyConnection, deal_id: str, column: str):
    return connection.execute(
        f'select "{column}" from raw.deals where deal_id = ?', [deal_id]
    ).fetchone()[0]


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory):
    database = tmp_path_factory.mktemp("native") / "warehouse.duckdb"
    connection, results = load_all(NATIVE_DIR, database)
    yield connection, results
    connection.close()


def test_native_load_row_counts(native):
    connection, results = native
    assert results["reps"].rows_loaded == 3
    assert results["deals"].rows_loaded == 4
    assert results["accounts"].rows_loaded == 2
    assert connection.execute("select count(*) from raw.deals").fetchone()[0] == 4


def test_native_raw_columns_match_contract(native):
    connection, _ = native
    for ds in DATASETS:
        columns = [
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [ds.name],
            ).fetchall()
        ]
        assert columns == [*ds.column_names, *(column.name for column in RAW_LINEAGE_COLUMNS)]


def test_ids_keep_leading_zeros_and_19_digits(native):
    connection, _ = native
    rep_ids = [row[0] for row in connection.execute("select rep_id from raw.reps").fetchall()]
    assert rep_ids == ["001", "007", "1234567890123456789"]
    assert deal(connection, "D-0001", "account_id") == "00042"
    assert deal(connection, "D-0002", "owner_rep_id") == "1234567890123456789"


def test_ids_trimmed_and_quoted_values_read(native):
    connection, _ = native
    assert deal(connection, "D-0003", "owner_rep_id") == "007"
    assert deal(connection, "D-0004", "account_id") == "00043"


def test_empty_values_are_null(native):
    connection, _ = native
    assert deal(connection, "D-0002", "contact_id") is None
    assert deal(connection, "D-0002", "amount") is None
    assert deal(connection, "D-0003", "account_id") is None
    assert deal(connection, "D-0003", "closed_at") is None


def test_naive_timestamp_read_in_source_zone(native):
    connection, _ = native
    # 2024-02-01 00:30 in Asia/Seoul (UTC+9) is 2024-01-31 15:30 UTC.
    assert deal(connection, "D-0001", "created_at") == datetime(2024, 1, 31, 15, 30)
    assert deal(connection, "D-0004", "closed_at") == datetime(2024, 2, 29, 14, 59, 59)


def test_offset_timestamps_converted_to_utc(native):
    connection, _ = native
    assert deal(connection, "D-0001", "closed_at") == datetime(2024, 2, 15, 10, 0)
    assert deal(connection, "D-0002", "created_at") == datetime(2024, 1, 31, 15, 30)
    assert deal(connection, "D-0002", "closed_at") == datetime(2024, 3, 1, 0, 0)


def test_date_in_timestamp_column_is_local_midnight(native):
    connection, _ = native
    assert deal(connection, "D-0003", "created_at") == datetime(2024, 1, 30, 15, 0)


def test_dates_not_shifted(native):
    connection, _ = native
    assert deal(connection, "D-0004", "close_date") == date(2024, 2, 29)
    hired_on = connection.execute("select hired_on from raw.reps where rep_id = '007'")
    assert hired_on.fetchone()[0] == date(2023, 3, 2)


def test_booleans_accept_common_spellings(native):
    connection, _ = native
    rows = connection.execute(
        "select deal_id, is_closed, is_won from raw.deals order by deal_id"
    ).fetchall()
    assert rows == [
        ("D-0001", True, True),
        ("D-0002", True, False),
        ("D-0003", False, False),
        ("D-0004", True, True),
    ]


def test_decimals_parsed(native):
    connection, _ = native
    assert deal(connection, "D-0001", "amount") == Decimal("1500000.50")
    assert deal(connection, "D-0003", "amount") == Decimal("250.00")
    assert deal(connection, "D-0004", "amount") == Decimal("1000.00")


def test_missing_optional_column_loads_null(native):
    connection, _ = native
    updated = connection.execute("select count(updated_at) from raw.deals").fetchone()[0]
    assert updated == 0


def test_extra_column_warning(native):
    _, results = native
    warnings = results["deals"].warnings
    assert len(warnings) == 1
    assert "'legacy_code'" in warnings[0]
    assert "deals.csv" in warnings[0]


def test_missing_optional_dataset_empty_with_warning(native):
    connection, results = native
    assert results["activities"].is_missing
    assert connection.execute("select count(*) from raw.activities").fetchone()[0] == 0
    assert "activities" in results["activities"].warnings[0]


def test_lineage_columns(native):
    connection, _ = native
    rows = connection.execute(
        "select deal_id, _source_file, _record_number from raw.deals order by _record_number"
    ).fetchall()
    assert [row[0] for row in rows] == ["D-0001", "D-0002", "D-0003", "D-0004"]
    assert [row[2] for row in rows] == [1, 2, 3, 4]
    assert rows[0][1] == str(NATIVE_DIR / "deals.csv")


def test_missing_reps_raises(tmp_path):
    write(tmp_path / "landing" / "deals.csv", DEALS_HEADER)
    with pytest.raises(IngestError, match="Required dataset 'reps' has no landing file"):
        load_one(tmp_path / "landing", tmp_path / "w.duckdb", "reps")


def test_missing_required_column_message(tmp_path):
    landing = tmp_path / "landing"
    path = write(landing / "deals.csv", "deal_id,stage,is_closed,is_won\nD1,won,true,true\n")
    with pytest.raises(IngestError) as caught:
        load_one(landing, tmp_path / "w.duckdb", "deals")
    message = str(caught.value)
    assert f"{path} is missing required column 'owner_rep_id'" in message
    assert "Add the column, or map it in a mapping file under datasets.deals.columns" in message


def test_missing_required_column_suggests_delimiter(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "rep_id;rep_name\n1;Kim\n")
    with pytest.raises(IngestError, match="may use ';' as its delimiter"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def test_invalid_value_names_record_and_column(tmp_path):
    landing = tmp_path / "landing"
    rows = "".join(f"D{n},,,R1,open,false,false,{n}.00,KRW,,,,\n" for n in range(1, 5))
    bad = 'D5,,,R1,open,false,false,"12,50",KRW,,,,\n'
    path = write(landing / "deals.csv", DEALS_HEADER + rows + bad + bad)
    with pytest.raises(IngestError) as caught:
        load_one(landing, tmp_path / "w.duckdb", "deals")
    message = str(caught.value)
    assert f"Landing file {path}, record 5" in message
    assert "column 'amount'" in message
    assert "'12,50'" in message
    assert "'.' as the decimal separator" in message
    assert "The file has 2 records with invalid values" in message


def test_invalid_timestamp_names_format_fix(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,false,false,,,31/01/2024,,,\n")
    with pytest.raises(IngestError, match="column 'created_at'.*set timestamp_format"):
        load_one(landing, tmp_path / "w.duckdb", "deals")


def test_integer_rejects_fraction(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "accounts.csv", "account_id,employees\nA1,12.0\nA2,12.5\n")
    with pytest.raises(IngestError, match="record 2.*column 'employees'.*'12.5'"):
        load_one(landing, tmp_path / "w.duckdb", "accounts")


def test_boolean_rejects_unknown_text(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,maybe,false,,,,,,\n")
    with pytest.raises(IngestError, match="column 'is_closed'.*'maybe'"):
        load_one(landing, tmp_path / "w.duckdb", "deals")


def test_failed_load_keeps_previous_table(tmp_path):
    landing = tmp_path / "landing"
    database = tmp_path / "w.duckdb"
    path = write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,false,false,5,,,,,\n")
    connection, _ = load_one(landing, database, "deals")
    connection.close()
    write(path, DEALS_HEADER + "D1,,,R1,open,false,false,5,,,,,\nD2,,,R1,open,no,nope,,,,,,\n")
    with pytest.raises(IngestError):
        load_one(landing, database, "deals")
    with duckdb.connect(str(database)) as connection:
        assert connection.execute("select deal_id from raw.deals").fetchall() == [("D1",)]
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        assert tables == [("deals",)]


def test_record_numbers_follow_file_order(tmp_path):
    landing = tmp_path / "landing"
    lines = []
    for number in range(1, 100_001):
        # Quoted line breaks make record numbers differ from line numbers.
        name = f'"Rep\n{number}"' if number % 997 == 0 else f"Rep {number}"
        lines.append(f"{number:07d},{name},,,,,,,\n")
    write(landing / "reps.csv", REPS_HEADER + "".join(lines))
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert result.rows_loaded == 100_000
    mismatches = connection.execute(
        "select count(*) from raw.reps where cast(rep_id as bigint) <> _record_number"
    ).fetchone()[0]
    assert mismatches == 0
    assert (
        connection.execute("select rep_name from raw.reps where _record_number = 997").fetchone()[0]
        == "Rep\n997"
    )


def test_folder_files_numbered_per_file(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps" / "b.csv", REPS_HEADER + "B1,,,,,,,,\nB2,,,,,,,,\n")
    write(landing / "reps" / "a.csv", REPS_HEADER + "A1,,,,,,,,\n")
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert result.files == (str(landing / "reps" / "a.csv"), str(landing / "reps" / "b.csv"))
    rows = connection.execute(
        "select rep_id, _record_number from raw.reps order by _source_file, _record_number"
    ).fetchall()
    assert rows == [("A1", 1), ("B1", 1), ("B2", 2)]


def test_file_and_folder_both_present_raises(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", REPS_HEADER)
    write(landing / "reps" / "a.csv", REPS_HEADER)
    with pytest.raises(IngestError, match="Keep one of them"):
        plan_sources(landing)


def test_header_only_file_loads_no_rows(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", REPS_HEADER)
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert result.rows_loaded == 0
    assert not result.is_missing


def test_not_utf8_file_raises(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("rep_id,rep_name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(IngestError, match="is not UTF-8 text") as caught:
        load_one(landing, tmp_path / "w.duckdb", "reps")
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


def test_zip_file_raises(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5\x8c\xfe")
    with pytest.raises(IngestError, match=f"Landing file {path} is not UTF-8 text"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def test_not_utf8_after_header_chains_duckdb_error(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    rows = "".join(f"{number},Rep {number}\n" for number in range(5000))
    path.write_bytes(("rep_id,rep_name\n" + rows).encode() + "9,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(IngestError, match=f"Landing file {path} could not be read") as caught:
        load_one(landing, tmp_path / "w.duckdb", "reps")
    assert isinstance(caught.value.__cause__, duckdb.Error)


def test_ragged_row_names_line(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "rep_id,rep_name\n1,Kim\n2,Lee,extra\n")
    with pytest.raises(IngestError, match="Line: 3"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def test_empty_file_raises(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "")
    with pytest.raises(IngestError, match="is empty"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def test_connection_settings_restored(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute("set TimeZone = 'America/New_York'")
    connection.execute("set preserve_insertion_order = false")
    load_dataset(connection, plan_sources(NATIVE_DIR, default_timezone="Asia/Seoul")["deals"])
    settings = dict(
        connection.execute(
            "select name, value from duckdb_settings() "
            "where name in ('TimeZone', 'preserve_insertion_order')"
        ).fetchall()
    )
    assert settings == {"TimeZone": "America/New_York", "preserve_insertion_order": "false"}


def test_load_inside_open_transaction_raises(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.begin()
    with pytest.raises(RuntimeError, match="without an open transaction"):
        load_dataset(connection, plan_sources(NATIVE_DIR)["reps"])
