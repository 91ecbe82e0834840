"""Landing files of the canonical datasets and how to read them.

`DatasetSource` describes how to read one dataset, and `load.load_dataset` reads it into
`raw.<dataset>`. This module finds the files of the native landing layout,
`<landing>/<dataset>.csv` or several files in `<landing>/<dataset>/*.csv` (read in sorted
order) with canonical column headers. A CSV export with other names is described by a
mapping file instead (`orchestration.ingest.mapping`, whose `plan_sources` handles both
layouts). Only file names and header rows are read here, never the data.
"""

from __future__ import annotations

import csv
import difflib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestration.ingest.datasets import DATASETS, DATASETS_BY_NAME, Dataset
from orchestration.ingest.encoding import UTF8, normalize_encoding
from orchestration.ingest.errors import IngestError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValueMap:
    """A canonical column derived from one source column through a lookup table.

    `values` maps trimmed source text to canonical text, which is then converted to the
    column's type. A non-empty source value missing from `values` gets `default`. When
    `default` is None such a value is an error, so that a new CRM stage is never guessed.
    """

    source_column: str
    values: Mapping[str, str]
    default: str | None = None


@dataclass(frozen=True)
class DatasetSource:
    """How to read one canonical dataset from landing files.

    `column_map` maps canonical columns to source headers. A canonical column that is in
    none of `column_map`, `constants` and `value_maps` is read from a header of the same
    name, and is NULL when the file has none. `multipliers` scale numeric columns (values
    given in millions, say). `mapping_file` is set when a mapping file described the
    source, so that error messages can point to it. `ignore_columns` are source headers
    that are dropped without a warning.

    `encoding` is a Python codec name, or None to detect each file's encoding (see
    `orchestration.ingest.encoding`). With `detect_delimiter` (the native layout), a file
    whose header line has no comma but a semicolon or a tab uses that as its delimiter.
    `decimal_separator` is "." or ","; with ",", a "." (or a space) separates thousands.
    `excel_serial_dates` reads whole and fractional numbers in date and timestamp columns
    as Excel serial dates (1900 date system).
    """

    dataset: str
    files: tuple[Path, ...]
    column_map: Mapping[str, str]
    constants: Mapping[str, str]
    value_maps: Mapping[str, ValueMap]
    timezone: str
    date_format: str | None
    timestamp_format: str | None
    delimiter: str = ","
    multipliers: Mapping[str, float] = field(default_factory=dict)
    mapping_file: Path | None = None
    ignore_columns: frozenset[str] = frozenset()
    encoding: str | None = None
    detect_delimiter: bool = False
    decimal_separator: str = "."
    excel_serial_dates: bool = False

    @property
    def is_missing(self) -> bool:
        return not self.files


def native_sources(landing_dir: Path, timezone: str) -> dict[str, DatasetSource]:
    """Return one DatasetSource per dataset in the native landing layout, in DATASETS order.

    Logs a warning for each CSV file in the landing folder that matches no dataset.
    """
    check_timezone(timezone)
    _log_unrecognized_files(landing_dir)
    return {dataset.name: native_source(landing_dir, dataset, timezone) for dataset in DATASETS}


def native_source(landing_dir: Path, dataset: Dataset, timezone: str) -> DatasetSource:
    """Return the source of `dataset` in the native landing layout, identity column names."""
    return DatasetSource(
        dataset=dataset.name,
        files=native_files(landing_dir, dataset.name),
        column_map={name: name for name in dataset.column_names},
        constants={},
        value_maps={},
        timezone=timezone,
        date_format=None,
        timestamp_format=None,
        detect_delimiter=True,
    )


def native_files(landing_dir: Path, dataset_name: str) -> tuple[Path, ...]:
    """Return `<landing>/<dataset>.csv`, or the sorted `<landing>/<dataset>/*.csv` files.

    Hidden files (a leading dot, as writers use for partial files) are skipped.
    """
    single = landing_dir / f"{dataset_name}.csv"
    folder = landing_dir / dataset_name
    folder_files = tuple(
        sorted(
            path
            for path in folder.glob("*.csv")
            if path.is_file() and not path.name.startswith(".")
        )
    )
    if single.is_file() and folder_files:
        raise IngestError(
            f"Dataset {dataset_name!r} has both {single} and CSV files in {folder}/. "
            "Keep one of them, so that no row is loaded twice."
        )
    if single.is_file():
        return (single,)
    return folder_files


def read_csv_header(path: Path, delimiter: str = ",", encoding: str = UTF8) -> tuple[str, ...]:
    """Return the column names of a CSV file's first record, with surrounding spaces removed.

    Only the header record is read, with `encoding` (a UTF-8 byte order mark is dropped).
    Raises IngestError when the file is missing, empty, not text in `encoding` or not
    parseable as CSV with `delimiter` and double-quote quoting.
    """
    try:
        with _open_text(path, encoding) as handle:
            reader = csv.reader(handle, delimiter=delimiter, quotechar='"', strict=True)
            header = next(reader, None)
    except FileNotFoundError as err:
        raise IngestError(f"Landing file {path} not found.") from err
    except UnicodeDecodeError as err:
        raise IngestError(
            f"Landing file {path} is not valid {encoding} text in its header "
            f"({err.reason} at byte {err.start}). Export it again as CSV UTF-8, or set "
            "`encoding` for the dataset in a mapping file."
        ) from err
    except (csv.Error, OSError) as err:
        raise IngestError(
            f"Landing file {path} could not be read as a CSV file with delimiter "
            f"{delimiter!r}: {err}. Check that it is a CSV export and that the delimiter is right."
        ) from err
    if header is None and path.stat().st_size == 0:
        raise IngestError(
            f"Landing file {path} is empty (0 bytes). Export it again with at least the "
            "header row of column names. The file of an optional dataset may also be removed."
        )
    if not header or all(not name.strip() for name in header):
        raise IngestError(
            f"Landing file {path} has no header row: its first line is empty. Put the "
            "column names on the first line."
        )
    return tuple(name.strip() for name in header)


def detect_delimiter(path: Path, encoding: str = UTF8) -> str:
    """Return the delimiter of a file from its first line: ",", or ";" or tab without commas.

    A header line that contains a comma means ",". Otherwise a semicolon, then a tab,
    found in the line is the delimiter. A one-column file without any of them reads as ",".
    """
    try:
        with _open_text(path, encoding) as handle:
            first_line = handle.readline()
    except (OSError, UnicodeDecodeError):
        # read_csv_header reports these problems with the file name and the fix.
        return ","
    if "," in first_line:
        return ","
    for candidate in (";", "\t"):
        if candidate in first_line:
            return candidate
    return ","


def _open_text(path: Path, encoding: str):
    text_encoding = "utf-8-sig" if normalize_encoding(encoding) == UTF8 else encoding
    return path.open(encoding=text_encoding, newline="")


def delimiter_hint(header: tuple[str, ...], delimiter: str) -> str:
    """Return a sentence suggesting another delimiter when the header looks split wrongly."""
    if len(header) != 1:
        return ""
    for candidate in (",", ";", "\t", "|"):
        if candidate != delimiter and candidate in header[0]:
            return (
                f" The header was read as one column {header[0]!r}; the file may use "
                f"{candidate!r} as its delimiter (set `delimiter` in the mapping file)."
            )
    return ""


def close_matches_hint(name: str, header: tuple[str, ...]) -> str:
    """Return a sentence listing header names close to `name`, or the whole header."""
    matches = difflib.get_close_matches(name, header, n=3, cutoff=0.6)
    if not matches:
        matches = [candidate for candidate in header if candidate.lower() == name.lower()]
    if matches:
        return f" Similar columns in the file: {', '.join(repr(match) for match in matches)}."
    return f" The file's columns are: {', '.join(repr(column) for column in header)}."


def absent_source(dataset: Dataset, timezone: str, mapping_file: Path | None) -> DatasetSource:
    """Return a source without files: the dataset loads as an empty table, or fails if required."""
    return DatasetSource(
        dataset=dataset.name,
        files=(),
        column_map={},
        constants={},
        value_maps={},
        timezone=timezone,
        date_format=None,
        timestamp_format=None,
        mapping_file=mapping_file,
    )


def _log_unrecognized_files(landing_dir: Path) -> None:
    # A misspelled file name would otherwise look like a missing dataset.
    for path in sorted(landing_dir.glob("*.csv")):
        if path.stem not in DATASETS_BY_NAME and not path.name.startswith("."):
            logger.warning(
                "Landing file %s matches no dataset and is not loaded; known datasets: %s",
                path,
                ", ".join(DATASETS_BY_NAME),
            )


def check_timezone(timezone: str) -> None:
    """Raise IngestError unless `timezone` is an IANA zone name."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise IngestError(
            f"Invalid source time zone {timezone!r}: use an IANA name such as Asia/Seoul or UTC."
        ) from err
