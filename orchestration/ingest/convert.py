"""SQL that converts a landing value's text to its declared column type, and its messages.

Every conversion returns NULL where the text does not convert, so the loader can tell a
value that failed (text present, value NULL) from an empty one. Values go into the SQL as
`$p<n>` parameters collected by `SqlParameters`; only expressions are built as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingest.datasets import BOOLEAN, DATE, INTEGER, TEXT, TIMESTAMP

# Whole numbers, optionally written with a zero fraction ("12.0") as spreadsheets export them.
_INTEGER_PATTERN_SQL = "'[+-]?[0-9]+(\\.0*)?'"

# With a decimal comma: digits, optionally grouped in thousands by ".", a space, a no-break
# space, a narrow no-break space or an apostrophe, then an optional ",fraction".
_DECIMAL_COMMA_PATTERN = "[+-]?([0-9]+|[0-9]{1,3}([. \u00a0\u202f'][0-9]{3})+)(,[0-9]+)?"
_THOUSANDS_SEPARATORS_PATTERN = "[. \u00a0\u202f']"

# An Excel serial date: whole days since the 1900 epoch, optionally with a day fraction.
_EXCEL_SERIAL_PATTERN = "[0-9]{1,7}(\\.[0-9]+)?"
# 9999-12-31 in Excel's 1900 date system.
_EXCEL_SERIAL_MAX = 2958465

_TRUE_TEXTS_SQL = "('true', 't', 'yes', '1')"
_FALSE_TEXTS_SQL = "('false', 'f', 'no', '0')"


class SqlParameters:
    """Collects the values of one statement under generated `$<prefix><n>` names."""

    def __init__(self, prefix: str = "p") -> None:
        self.prefix = prefix
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = value
        return f"${name}"


@dataclass(frozen=True)
class TextFormat:
    """Number and date formats of a source: by default ISO 8601 dates and a '.' decimal."""

    date_format: str | None = None
    timestamp_format: str | None = None
    decimal_separator: str = "."
    excel_serial_dates: bool = False


def convert_text_sql(
    column_type: str,
    text_sql: str,
    parameters: SqlParameters,
    text_format: TextFormat = TextFormat(),
    multiplier: float | None = None,
) -> str:
    """Return SQL converting trimmed text to `column_type`; NULL where it does not convert.

    Booleans accept true/false, t/f, yes/no and 1/0 in any case. Numbers use the format's
    decimal separator. Dates are ISO 8601 or `date_format`, never shifted. Timestamps with
    an offset (Z, +09:00) are converted to UTC; naive ones, and dates read as timestamps
    (midnight), are read in the connection's TimeZone setting and converted to UTC. With
    `excel_serial_dates`, a number in a date or timestamp column is an Excel serial date.
    """
    if column_type == TEXT:
        return text_sql
    if column_type == BOOLEAN:
        return (
            f"case when lower({text_sql}) in {_TRUE_TEXTS_SQL} then true "
            f"when lower({text_sql}) in {_FALSE_TEXTS_SQL} then false end"
        )
    if column_type == INTEGER or column_type.startswith("decimal"):
        return _number_sql(column_type, text_sql, parameters, text_format, multiplier)
    if column_type == DATE:
        return _date_sql(text_sql, parameters, text_format)
    if column_type == TIMESTAMP:
        # A timestamptz stores microseconds since the epoch in UTC, so rebuilding a timestamp
        # from them gives the UTC wall time. It took half the time of timezone('UTC', ...)
        # on 20 million values (DuckDB 2.0.1, measured once), and turns 'infinity' to NULL.
        instant = _timestamptz_sql(text_sql, parameters, text_format)
        return f"make_timestamp(epoch_us({instant}))"
    raise ValueError(f"No conversion for column type {column_type!r}; add one to convert_text_sql.")


def type_problem(column_type: str) -> str:
    """Return the phrase that names the kind of value a column expects."""
    if column_type == BOOLEAN:
        return "is not a boolean"
    if column_type == INTEGER:
        return "is not a whole number"
    if column_type.startswith("decimal"):
        return "is not a decimal number"
    if column_type == DATE:
        return "is not a date"
    if column_type == TIMESTAMP:
        return "is not a timestamp"
    return f"is not a valid {column_type} value"


def format_fix(column_type: str, text_format: TextFormat, where: str) -> str:
    """Return the sentence telling how to write a valid value; `where` names the mapping file."""
    if column_type == BOOLEAN:
        return "Use true/false, yes/no, t/f or 1/0, or map the values with a value map."
    if column_type == INTEGER:
        if text_format.decimal_separator == ",":
            return "Use a whole number such as 1234 or 1.234."
        return "Use a whole number without thousands separators."
    if column_type.startswith("decimal"):
        if text_format.decimal_separator == ",":
            return (
                "Use digits with ',' as the decimal separator (decimal_separator in "
                f"{where}), such as 1234,50 or 1.234,50, without currency signs."
            )
        return (
            "Use digits with '.' as the decimal separator, without thousands separators "
            f'or currency signs, or set decimal_separator: "," in {where}.'
        )
    serial = " or an Excel serial date such as 45322" if text_format.excel_serial_dates else ""
    if column_type == DATE:
        if text_format.date_format:
            return (
                f"Use the date_format {text_format.date_format!r} set in {where}, an ISO "
                f"date{serial}."
            )
        return f"Use an ISO date such as 2024-01-31{serial}, or set date_format in {where}."
    if column_type == TIMESTAMP:
        if text_format.timestamp_format:
            return (
                f"Use the timestamp_format {text_format.timestamp_format!r} set in {where}, "
                f"or ISO 8601{serial}."
            )
        return (
            "Use ISO 8601 such as 2024-01-31 09:30:00 or 2024-01-31T09:30:00+09:00"
            f"{serial}, or set timestamp_format in {where}."
        )
    return "Correct the value."


def _number_sql(
    column_type: str,
    text_sql: str,
    parameters: SqlParameters,
    text_format: TextFormat,
    multiplier: float | None,
) -> str:
    number_text = text_sql
    if text_format.decimal_separator == ",":
        number_text = (
            f"(case when regexp_full_match({text_sql}, {parameters.add(_DECIMAL_COMMA_PATTERN)}) "
            f"then replace(regexp_replace({text_sql}, "
            f"{parameters.add(_THOUSANDS_SEPARATORS_PATTERN)}, '', 'g'), ',', '.') end)"
        )
    if multiplier is not None:
        factor = parameters.add(multiplier)
        if column_type == INTEGER:
            return f"try_cast(round(try_cast({number_text} as double) * {factor}) as bigint)"
        # NOTE: the product is computed in double precision, exact to the cent for
        # results below about 10^13; enough for revenue given in millions.
        return f"try_cast(try_cast({number_text} as double) * {factor} as {column_type})"
    if column_type == INTEGER:
        return (
            f"case when regexp_full_match({number_text}, {_INTEGER_PATTERN_SQL}) "
            f"then try_cast({number_text} as bigint) end"
        )
    return f"try_cast({number_text} as {column_type})"


def _date_sql(text_sql: str, parameters: SqlParameters, text_format: TextFormat) -> str:
    candidates = []
    if text_format.excel_serial_dates:
        candidates.append(
            _excel_serial_date_sql(_serial_text_sql(text_sql, text_format), parameters)
        )
    if text_format.date_format is not None:
        candidates.append(
            f"try_strptime({text_sql}, {parameters.add(text_format.date_format)})::date"
        )
    candidates.append(f"try_cast({text_sql} as date)")
    return candidates[0] if len(candidates) == 1 else f"coalesce({', '.join(candidates)})"


def _timestamptz_sql(text_sql: str, parameters: SqlParameters, text_format: TextFormat) -> str:
    # Casting text to timestamptz keeps an explicit offset, and reads a naive value or a
    # bare date (as midnight) in the session TimeZone. A cast to timestamp drops the offset.
    candidates = []
    if text_format.excel_serial_dates:
        # A serial date is local wall-clock time, like a naive timestamp.
        serial_text = _serial_text_sql(text_sql, text_format)
        candidates.append(f"{_excel_serial_timestamp_sql(serial_text, parameters)}::timestamptz")
    if text_format.timestamp_format is not None:
        timestamp_format = text_format.timestamp_format
        parsed = f"try_strptime({text_sql}, {parameters.add(timestamp_format)})"
        has_zone = "%z" in timestamp_format or "%Z" in timestamp_format
        candidates.append(parsed if has_zone else f"{parsed}::timestamptz")
    if text_format.date_format is not None:
        candidates.append(
            f"try_strptime({text_sql}, {parameters.add(text_format.date_format)})"
            "::date::timestamptz"
        )
    candidates.append(f"try_cast({text_sql} as timestamptz)")
    return candidates[0] if len(candidates) == 1 else f"coalesce({', '.join(candidates)})"


def _serial_text_sql(text_sql: str, text_format: TextFormat) -> str:
    # With a decimal comma, Excel writes the day fraction after a comma: 45322,75.
    if text_format.decimal_separator == ",":
        return f"replace({text_sql}, ',', '.')"
    return text_sql


def _excel_serial_date_sql(text_sql: str, parameters: SqlParameters) -> str:
    # Excel's 1900 date system counts 1900-01-01 as day 1 and includes the non-existent
    # 1900-02-29 as day 60. So from day 61 on, day n is 1899-12-30 + n. Before that it is
    # 1899-12-31 + n, and day 60 (like day 0) is no date.
    pattern = parameters.add(_EXCEL_SERIAL_PATTERN)
    days = f"cast(floor(try_cast({text_sql} as double)) as integer)"
    return (
        f"(case when regexp_full_match({text_sql}, {pattern}) then case "
        f"when {days} between 61 and {_EXCEL_SERIAL_MAX} then date '1899-12-30' + {days} "
        f"when {days} between 1 and 59 then date '1899-12-31' + {days} end end)"
    )


def _excel_serial_timestamp_sql(text_sql: str, parameters: SqlParameters) -> str:
    # The day fraction is the time of day, rounded to the millisecond because Excel stores
    # it as a binary fraction (09:30 is 0.395833...).
    number = f"try_cast({text_sql} as double)"
    fraction_ms = f"cast(round(({number} - floor({number})) * 86400000) as bigint)"
    return (
        f"({_excel_serial_date_sql(text_sql, parameters)}::timestamp "
        f"+ to_milliseconds({fraction_ms}))"
    )
