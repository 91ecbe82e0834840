"""Encoding detection, streaming transcoding, and record line numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from orchestration.ingest import encoding
from orchestration.ingest.encoding import (
    detect_encoding,
    normalize_encoding,
    transcode_to_utf8,
    utf8_file,
)
from orchestration.ingest.errors import IngestError
from orchestration.ingest.lines import count_lines, record_start_lines
from orchestration.ingest.sources import detect_delimiter, read_csv_header


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_detect_utf8(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "id,name\n1,김민준\n".encode())
    assert detect_encoding(path) == "utf-8"


def test_detect_cp949(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "id,name\n1,김민준\n".encode("cp949"))
    assert detect_encoding(path) == "cp949"


def test_detect_utf16_by_bom(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "id,name\n".encode("utf-16"))
    assert detect_encoding(path) == "utf-16"


def test_declared_encoding_wins(tmp_path):
    path = write_bytes(tmp_path / "a.csv", b"id\n1\n")
    assert detect_encoding(path, "EUC-KR") == "euc_kr"


def test_sample_cut_inside_character(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", 10)
    path = write_bytes(tmp_path / "a.csv", "id,name\n김민준\n".encode())
    assert detect_encoding(path) == "utf-8"


def test_detect_missing_file(tmp_path):
    with pytest.raises(IngestError, match="not found"):
        detect_encoding(tmp_path / "absent.csv")


def test_normalize_utf8_sig():
    assert normalize_encoding("UTF-8-SIG") == "utf-8"


def test_transcode_streams_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 3)
    text = "id,name\n1,김민준\n2,이서연\n"
    path = write_bytes(tmp_path / "a.csv", text.encode("cp949"))
    target = io.BytesIO()
    transcode_to_utf8(path, "cp949", target)
    assert target.getvalue().decode() == text


def test_transcode_error_names_offset(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 4)
    valid = "id\n김민준\n".encode("cp949")
    path = write_bytes(tmp_path / "a.csv", valid + b"\xff\xff\n")
    with pytest.raises(IngestError, match=f"byte offset {len(valid)}"):
        transcode_to_utf8(path, "cp949", io.BytesIO())


def test_utf8_file_is_original_for_utf8(tmp_path):
    path = write_bytes(tmp_path / "a.csv", b"id\n1\n")
    with utf8_file(path, "utf-8") as readable:
        assert readable == path


def test_utf8_copy_removed_after_error(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "id\n김\n".encode("cp949"))
    with pytest.raises(RuntimeError):
        with utf8_file(path, "cp949") as readable:
            copy = readable
            assert copy.read_text(encoding="utf-8") == "id\n김\n"
            raise RuntimeError("load failed")
    assert not copy.exists()


def test_header_of_cp949_file(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "담당자,팀\n김,서울\n".encode("cp949"))
    assert read_csv_header(path, ",", "cp949") == ("담당자", "팀")


def test_header_of_bom_file(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "\ufeffrep_id,rep_name\n".encode())
    assert read_csv_header(path) == ("rep_id", "rep_name")


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        ("rep_id,rep_name\n", ","),
        ("rep_id;rep_name\n", ";"),
        ("rep_id\trep_name\n", "\t"),
        ("rep_id;rep,name\n", ","),
        ("rep_id\n", ","),
    ],
)
def test_detect_delimiter(tmp_path, first_line, expected):
    path = write_bytes(tmp_path / "a.csv", first_line.encode())
    assert detect_delimiter(path) == expected


def test_count_lines_without_final_break(tmp_path):
    path = write_bytes(tmp_path / "a.csv", b"h\n1\n2")
    assert count_lines(path, "utf-8") == 3


def test_count_lines_utf16(tmp_path):
    path = write_bytes(tmp_path / "a.csv", "h\n1\n2\n".encode("utf-16"))
    assert count_lines(path, "utf-16") == 3


def test_record_lines_one_line_records(tmp_path):
    path = write_bytes(tmp_path / "a.csv", b"h1,h2\na,b\nc,d\ne,f\n")
    assert record_start_lines(path, "utf-8", ",", 3, [1, 3]) == {1: 2, 3: 4}


def test_record_lines_quoted_breaks_and_blank_lines(tmp_path):
    data = b'h1,h2\na,"x\r\ny"\n\nc,d\n"e\n\nf",g\nh,i\n'
    path = write_bytes(tmp_path / "a.csv", data)
    assert record_start_lines(path, "utf-8", ",", 4, [1, 2, 3, 4]) == {1: 2, 2: 5, 3: 6, 4: 9}


def test_record_lines_quote_inside_unquoted_field(tmp_path):
    # DuckDB and the csv module read 5" as text, so no quoted field starts there.
    data = b'h1,h2\na,5" screen\nb,"x\ny"\nc,d\n'
    path = write_bytes(tmp_path / "a.csv", data)
    assert record_start_lines(path, "utf-8", ",", 3, [3]) == {3: 5}


def test_record_lines_semicolon_cp949(tmp_path):
    data = '이름;메모\n김;"첫 줄\n둘째 줄"\n이;짧음\n'.encode("cp949")
    path = write_bytes(tmp_path / "a.csv", data)
    assert record_start_lines(path, "cp949", ";", 2, [2]) == {2: 4}
