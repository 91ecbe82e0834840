"""Physical line numbers of CSV records, for the rows that quarantine reports.

A record's number counts data records from 1 after the header. Its line number is the
line of the file it starts on, with the header on line 1. The two differ when a quoted
field contains a line break. They also differ after blank lines, which DuckDB's reader
skips.

When the file's line breaks number exactly its records plus the header, every record is
one line and its line number is its record number + 1; counting the line breaks runs at
memory speed. Only otherwise is the file parsed with Python's csv module, which, like
DuckDB's reader, treats a quote inside an unquoted field as text, up to the last record
asked for.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from orchestration.ingest.encoding import (
    CHUNK_BYTES,
    UTF8,
    is_ascii_compatible,
    normalize_encoding,
    utf8_chunks,
)


def record_start_lines(
    path: Path,
    encoding: str,
    delimiter: str,
    record_count: int,
    record_numbers: Iterable[int],
) -> dict[int, int]:
    """Return {record number: line the record starts on} for the requested records.

    `record_count` is how many data records the file contains (as loaded). Records beyond
    the file's end are left out of the result.
    """
    requested = sorted(set(record_numbers))
    if not requested:
        return {}
    if count_lines(path, encoding) == record_count + 1:
        return {record: record + 1 for record in requested if record <= record_count}
    return _scan_record_lines(path, encoding, delimiter, requested)


def count_lines(path: Path, encoding: str) -> int:
    """Return the number of lines: line feeds, plus one for a last line without one."""
    if not is_ascii_compatible(encoding):
        return _count_decoded_lines(path, encoding)
    lines = 0
    last_byte = b""
    # One reused buffer: counting in place avoids a copy of every chunk.
    buffer = bytearray(CHUNK_BYTES)
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            lines += buffer.count(b"\n", 0, size)
            last_byte = bytes(buffer[size - 1 : size])
    return lines + (1 if last_byte not in (b"", b"\n") else 0)


def _count_decoded_lines(path: Path, encoding: str) -> int:
    lines = 0
    last_byte = b""
    for chunk in utf8_chunks(path, encoding):
        lines += chunk.count(b"\n")
        last_byte = chunk[-1:] or last_byte
    return lines + (1 if last_byte not in (b"", b"\n") else 0)


def _scan_record_lines(
    path: Path, encoding: str, delimiter: str, requested: list[int]
) -> dict[int, int]:
    remaining = set(requested)
    last_requested = requested[-1]
    starts: dict[int, int] = {}
    text_encoding = "utf-8-sig" if normalize_encoding(encoding) == UTF8 else encoding
    # A landing field may be larger than the csv module's default limit of 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    with path.open(encoding=text_encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        if next(reader, None) is None:
            return starts
        record = 0
        previous_end = reader.line_num
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not row:
                # A blank line is no record: DuckDB's reader skips it.
                continue
            record += 1
            if record in remaining:
                starts[record] = start
                if record == last_requested:
                    break
    return starts
