"""Loading the native landing layout into raw.<dataset> with DuckDB's CSV reader."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
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


def test_native_semicolon_file_detected(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "rep_id;rep_name\n1;Kim\n")
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert result.rows_loaded == 1
    assert connection.execute("select rep_name from raw.reps").fetchone()[0] == "Kim"


def test_native_tab_file_detected(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "rep_id\trep_name\n1\tKim, Minjun\n")
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert connection.execute("select rep_name from raw.reps").fetchone()[0] == "Kim, Minjun"


def test_missing_required_column_suggests_delimiter(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "rep_id|rep_name\n1|Kim\n")
    with pytest.raises(IngestError, match="may use '\\|' as its delimiter"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def quarantined(connection: duckdb.DuckDBPyConnection, dataset_name: str) -> list[tuple]:
    return connection.execute(
        "select _record_number, _line_number, rule, column_name, reason, original_values "
        f'from quarantine."{dataset_name}" order by _source_file, _record_number'
    ).fetchall()


def test_invalid_value_quarantined_with_reason(tmp_path):
    landing = tmp_path / "landing"
    rows = "".join(f"D{n},,,R1,open,false,false,{n}.00,KRW,,,,\n" for n in range(1, 5))
    bad = 'D5,,,R1,open,false,false,"12,50",KRW,,,,\n'
    write(landing / "deals.csv", DEALS_HEADER + rows + bad + bad.replace("D5", "D6"))
    connection, result = load_one(landing, tmp_path / "w.duckdb", "deals")
    rows_quarantined = quarantined(connection, "deals")
    record, line, rule, column, reason, original = rows_quarantined[0]
    assert result.rows_loaded == 4
    assert result.rows_quarantined == 2
    assert result.rows_read == 6
    assert result.quarantine_reasons == {"deals.amount.type": 2}
    assert (record, line, rule, column) == (5, 6, "deals.amount.type", "amount")
    assert "Column 'amount' (source column 'amount'): value '12,50' is not a decimal" in reason
    assert "'.' as the decimal separator" in reason
    assert json.loads(original)["amount"] == "12,50"
    assert json.loads(original)["deal_id"] == "D5"


def test_invalid_values_keep_other_rows(tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "deals.csv",
        DEALS_HEADER + "D1,,,R1,open,false,false,5,,,,,\nD2,,,R1,open,no,nope,,,,,,\n"
        "D3,,,R1,open,false,false,6,,,,,\n",
    )
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "deals")
    loaded = connection.execute(
        "select deal_id, _record_number from raw.deals order by _record_number"
    ).fetchall()
    assert loaded == [("D1", 1), ("D3", 3)]


def test_invalid_timestamp_names_format_fix(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,false,false,,,31/01/2024,,,\n")
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "deals")
    _, _, rule, _, reason, _ = quarantined(connection, "deals")[0]
    assert rule == "deals.created_at.type"
    assert "'31/01/2024' is not a timestamp" in reason
    assert "set timestamp_format" in reason


def test_integer_rejects_fraction(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "accounts.csv", "account_id,employees\nA1,12.0\nA2,12.5\n")
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "accounts")
    record, _, rule, _, reason, _ = quarantined(connection, "accounts")[0]
    assert (record, rule) == (2, "accounts.employees.type")
    assert "'12.5' is not a whole number" in reason
    assert connection.execute("select employees from raw.accounts").fetchall() == [(12,)]


def test_boolean_rejects_unknown_text(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,maybe,false,,,,,,\n")
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "deals")
    _, _, rule, column, reason, _ = quarantined(connection, "deals")[0]
    assert (rule, column) == ("deals.is_closed.type", "is_closed")
    assert "'maybe' is not a boolean" in reason


def test_two_invalid_columns_one_quarantine_row(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,maybe,nope,x,,,,,\n")
    connection, result = load_one(landing, tmp_path / "w.duckdb", "deals")
    rows = quarantined(connection, "deals")
    assert result.rows_quarantined == 1
    assert rows[0][2] == "deals.is_closed.type"
    assert "'nope' is not a boolean" in rows[0][4]
    assert "'x' is not a decimal number" in rows[0][4]


def test_long_bad_value_shortened_in_reason(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "accounts.csv", f"account_id,employees\nA1,{'9x' * 500}\n")
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "accounts")
    _, _, _, _, reason, original = quarantined(connection, "accounts")[0]
    assert "9x9x..." in reason
    assert len(reason) < 500
    assert json.loads(original)["employees"] == "9x" * 500


def test_quarantine_line_numbers_follow_quoted_breaks(tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "deals.csv",
        DEALS_HEADER + 'D1,,,R1,"open\nand\nwaiting",false,false,5,,,,,\n'
        "\nD2,,,R1,open,maybe,false,,,,,,\n",
    )
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "deals")
    record, line, *_ = quarantined(connection, "deals")[0]
    assert (record, line) == (2, 6)


def test_superseded_latest_updated_at_wins(tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "reps.csv",
        REPS_HEADER + "R1,New,,,,,,,2024-03-01\nR1,Old,,,,,,,2024-01-01\n"
        "R1,Undated,,,,,,,\nR2,Only,,,,,,,\n",
    )
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    names = connection.execute("select rep_name from raw.reps order by rep_id").fetchall()
    rows = quarantined(connection, "reps")
    assert names == [("New",), ("Only",)]
    assert result.quarantine_reasons == {"reps.superseded": 2}
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (2, 3, "reps.superseded"),
        (3, 4, "reps.superseded"),
    ]
    assert "Superseded by record 1 of" in rows[0][4]
    assert json.loads(rows[0][5])["rep_name"] == "Old"


def test_superseded_keeps_original_text(tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "reps.csv",
        REPS_HEADER + "R1,New,,,,,,,2024-03-01T09:00:00+09:00\n"
        'R1," Old ",,,,,2023-01-05,,2024-01-01T09:00:00+09:00\n',
    )
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "reps")
    original = json.loads(quarantined(connection, "reps")[0][5])
    assert original["rep_name"] == " Old "
    assert original["hired_on"] == "2023-01-05"
    assert original["updated_at"] == "2024-01-01T09:00:00+09:00"


def test_superseded_cp949_text_exact(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        "rep_id,rep_name,team,updated_at\n"
        'R1,김민준,"서울\n1팀",2024-01-01\nR1,김민준,부산,2024-02-01\n'.encode("cp949")
    )
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "reps")
    record, line, _, _, _, text = quarantined(connection, "reps")[0]
    original = json.loads(text)
    assert (record, line) == (1, 2)
    assert original["rep_name"] == "김민준"
    assert original["team"] == "서울\n1팀"


def test_superseded_tie_last_in_file_order_wins(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps" / "b.csv", REPS_HEADER + "R1,B1,,,,,,,\nR1,B2,,,,,,,\n")
    write(landing / "reps" / "a.csv", REPS_HEADER + "R1,A1,,,,,,,\n")
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert connection.execute("select rep_name from raw.reps").fetchall() == [("B2",)]
    assert result.rows_read == 3
    assert result.rows_quarantined == 2


def test_null_key_never_superseded(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "quotas.csv", "rep_id,month,quota_amount,currency\nR1,,5,KRW\nR1,,6,KRW\n")
    _, result = load_one(landing, tmp_path / "w.duckdb", "quotas")
    assert result.rows_loaded == 2


def test_rerun_replaces_quarantine_rows(tmp_path):
    landing = tmp_path / "landing"
    path = write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,maybe,false,,,,,,\n")
    database = tmp_path / "w.duckdb"
    connection, _ = load_one(landing, database, "deals")
    load_dataset(connection, plan_sources(landing)["deals"])
    assert len(quarantined(connection, "deals")) == 1
    write(path, DEALS_HEADER + "D1,,,R1,open,false,false,,,,,,\n")
    load_dataset(connection, plan_sources(landing)["deals"])
    assert quarantined(connection, "deals") == []


def test_run_id_recorded(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,maybe,false,,,,,,\n")
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_dataset(connection, plan_sources(landing)["deals"], run_id="run-7")
    run_ids = connection.execute("select run_id from quarantine.deals").fetchall()
    assert run_ids == [("run-7",)]


def test_failed_load_keeps_previous_table(tmp_path):
    landing = tmp_path / "landing"
    database = tmp_path / "w.duckdb"
    path = write(landing / "deals.csv", DEALS_HEADER + "D1,,,R1,open,maybe,false,5,,,,,\n")
    connection, _ = load_one(landing, database, "deals")
    connection.close()
    write(path, DEALS_HEADER + "D1,,,R1,open,false,false,5,,,,,\nD2,,,R1,open,no,no,,,,,,,extra\n")
    with pytest.raises(IngestError):
        load_one(landing, database, "deals")
    with duckdb.connect(str(database)) as connection:
        assert connection.execute("select count(*) from raw.deals").fetchone()[0] == 0
        assert len(quarantined(connection, "deals")) == 1
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_name like 'deals%' order by all"
        ).fetchall()
        assert tables == [("quarantine", "deals"), ("raw", "deals")]


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


def test_not_utf8_nor_cp949_raises_with_offset(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("rep_id,rep_name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(IngestError) as caught:
        load_one(landing, tmp_path / "w.duckdb", "reps")
    message = str(caught.value)
    assert f"Landing file {path} is neither UTF-8 nor CP949 text" in message
    assert "byte offset 21" in message


def test_zip_file_raises(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5\x8c\xfe")
    with pytest.raises(IngestError, match=f"Landing file {path} contains a NUL byte"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def ascii_rows(count: int) -> bytes:
    return "".join(f"{number},Rep {number}\n" for number in range(count)).encode()


def test_invalid_byte_after_sample_raises_with_offset(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    head = b"rep_id,rep_name\n" + ascii_rows(120_000)
    path.write_bytes(head + "9,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(IngestError) as caught:
        load_one(landing, tmp_path / "w.duckdb", "reps")
    assert f"Landing file {path} is not valid UTF-8 text" in str(caught.value)
    assert f"byte offset {len(head) + 5}" in str(caught.value)


def test_cp949_after_ascii_sample_loads(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"rep_id,rep_name\n" + ascii_rows(120_000) + "R9,김민준\n".encode("cp949"))
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert result.rows_loaded == 120_001
    name = connection.execute("select rep_name from raw.reps where rep_id = 'R9'").fetchone()[0]
    assert name == "김민준"


def test_declared_utf8_not_redetected(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"rep_id,rep_name\n" + ascii_rows(120_000) + "R9,김민준\n".encode("cp949"))
    source = replace(plan_sources(landing)["reps"], encoding="utf-8")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        with pytest.raises(IngestError, match="is not valid UTF-8 text after its first part"):
            load_dataset(connection, source)


def test_cp949_file_detected_and_loaded(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("rep_id,rep_name,team\nR1,김민준,서울 1팀\nR2,이서연,부산\n".encode("cp949"))
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    rows = connection.execute("select rep_name, team from raw.reps order by rep_id").fetchall()
    assert rows == [("김민준", "서울 1팀"), ("이서연", "부산")]
    assert result.rows_read == 2


def test_transcoded_copy_deleted(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("rep_id,rep_name\nR1,김민준\n".encode("cp949"))
    load_one(landing, tmp_path / "w.duckdb", "reps")
    assert list((tmp_path / "scratch").iterdir()) == []


def test_utf8_bom_stripped_from_header(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("\ufeffrep_id,rep_name\nR1,Kim\n".encode())
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert connection.execute("select rep_id from raw.reps").fetchone()[0] == "R1"


def test_utf16_file_loaded(tmp_path):
    landing = tmp_path / "landing"
    path = landing / "reps.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("rep_id\trep_name\nR1\t김민준\n".encode("utf-16"))
    connection, _ = load_one(landing, tmp_path / "w.duckdb", "reps")
    assert connection.execute("select rep_name from raw.reps").fetchone()[0] == "김민준"


def test_field_over_default_line_limit_loads(tmp_path):
    landing = tmp_path / "landing"
    long_text = "x" * 3_000_000
    write(landing / "reps.csv", f"rep_id,rep_name\nR1,{long_text}\nR2,Kim\n")
    connection, result = load_one(landing, tmp_path / "w.duckdb", "reps")
    lengths = connection.execute(
        "select length(rep_name) from raw.reps order by _record_number"
    ).fetchall()
    assert result.rows_loaded == 2
    assert lengths == [(3_000_000,), (3,)]


def test_ragged_row_names_line(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "rep_id,rep_name\n1,Kim\n2,Lee,extra\n")
    with pytest.raises(IngestError, match="Line: 3"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def test_empty_file_raises(tmp_path):
    landing = tmp_path / "landing"
    path = write(landing / "reps.csv", "")
    with pytest.raises(IngestError, match=f"Landing file {path} is empty \\(0 bytes\\)"):
        load_one(landing, tmp_path / "w.duckdb", "reps")


def test_blank_first_line_raises(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "reps.csv", "\nrep_id\nR1\n")
    with pytest.raises(IngestError, match="has no header row"):
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
