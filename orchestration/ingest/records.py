"""Original text of chosen records of a landing file, read again after the load.

Quarantine stores each quarantined record's values as the file contains them, not as
they loaded: a decimal `5000` stays "5000", and a timestamp with an offset keeps its
offset. The loader records, for every file, which header position or mapping constant
filled each canonical column (`ColumnSource`). `read_original_values` reads only the
requested records again with the same CSV options as the load, so quoted line breaks and
blank lines number the records the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.encoding import utf8_file

logger = logging.getLogger(__name__)

# DuckDB's CSV reader rejects a line longer than 2,000,000 bytes by default (DuckDB
# 2.0.1). A file with such a line is read again with this limit, so that a long text
# field (a form's JSON, an email body) loads whole. The first read keeps the default.
LONG_LINE_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class ColumnSource:
    """The origin of a canonical column's text: a header position or a mapping constant."""

    position: int | None = None
    constant: str | None = None


def read_csv_text_sql(
    columns_parameter: str, delimiter_parameter: str, max_line_size: int | None = None
) -> str:
    """Return a `read_csv` call on `$csv_path` that reads every column as text.

    `columns_parameter` names a parameter mapping `source_<n>` to VARCHAR for each header
    column, and `delimiter_parameter` one holding the delimiter.
    """
    # Explicit columns with auto_detect off mean no sniffing: no guessed types, no
    # guessed comment character that would skip rows, and parse errors that name the line.
    line_limit = "" if max_line_size is None else f", max_line_size = {int(max_line_size)}"
    return (
        f"read_csv($csv_path, columns = {columns_parameter}, header = true, "
        f"auto_detect = false, delim = {delimiter_parameter}, quote = '\"', "
        f"escape = '\"', strict_mode = true, null_padding = false{line_limit})"
    )


def column_sources_json(sources: Mapping[str, ColumnSource]) -> str:
    """Serialize column sources for the `column_sources` column of `raw._landing_files`."""
    return json.dumps(
        {
            column: {"position": source.position}
            if source.position is not None
            else {"constant": source.constant}
            for column, source in sources.items()
        }
    )


def parse_column_sources(text: str | None) -> dict[str, ColumnSource]:
    """Parse `column_sources_json` output; NULL (a load before the column existed) is empty."""
    if not text:
        return {}
    return {
        column: ColumnSource(position=source.get("position"), constant=source.get("constant"))
        for column, source in json.loads(text).items()
    }


def read_original_values(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    encoding: str,
    delimiter: str,
    header_width: int,
    sources: Mapping[str, ColumnSource],
    record_numbers: Iterable[int],
) -> dict[int, str]:
    """Return {record number: JSON object text of column -> original text} for the records.

    A record's text is untrimmed, with NULL for an empty field, as the loader reads it. A
    constant column contains its constant. Records beyond the file's end are left out. A file
    in another encoding than UTF-8 is transcoded again to a temporary copy. Raises OSError,
    UnicodeError, IngestError or duckdb.Error when the file cannot be read any more.
    """
    requested = sorted(set(record_numbers))
    if not requested or not sources or header_width <= 0:
        return {}
    parameters: dict[str, object] = {
        "columns": {f"source_{position}": "VARCHAR" for position in range(header_width)},
        "delimiter": delimiter,
        "records": requested,
    }
    pairs = []
    for index, (column, source) in enumerate(sources.items()):
        parameters[f"name_{index}"] = column
        if source.position is not None:
            # Positions come from our own load record and are integers.
            pairs.append(f"$name_{index}, source_{int(source.position)}")
        else:
            parameters[f"constant_{index}"] = source.constant
            pairs.append(f"$name_{index}, $constant_{index}::varchar")

    def statement(max_line_size: int | None) -> str:
        reader = read_csv_text_sql("$columns", "$delimiter", max_line_size)
        # row_number() over () numbers the records in file order, as the load's numbering.
        return (
            f"select record_number, json_object({', '.join(pairs)})::varchar "
            f"from (select *, row_number() over () as record_number from {reader}) "
            "as source_rows where record_number <= $last "
            "and list_contains($records, record_number) order by record_number"
        )

    parameters["last"] = requested[-1]
    with utf8_file(path, encoding) as readable:
        parameters["csv_path"] = str(readable)
        try:
            rows = connection.execute(statement(None), parameters).fetchall()
        except duckdb.InvalidInputException as err:
            if "maximum line size" not in str(err).lower():
                raise
            rows = connection.execute(statement(LONG_LINE_MAX_BYTES), parameters).fetchall()
    return dict(rows)
