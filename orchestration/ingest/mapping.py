"""Mapping files, and `plan_sources`, which decides how every dataset is read.

A mapping file describes a CSV export whose files and columns do not follow the native
landing layout: which file is which dataset, and how its columns become canonical ones.
`plan_sources` uses it, or the native layout when there is none. A mapping file is YAML,
and every key is optional except `datasets`:

```yaml
version: 1
reporting:                      # defaults for the run; command-line options win
  currency: USD                 # ISO 4217 code of the reporting currency
  timezone: America/New_York    # IANA zone that months and quarters are cut in
  fiscal_year_start_month: 1    # 1 to 12
source:                         # defaults for every dataset below
  timezone: America/New_York    # zone of naive timestamps (and of dates read as timestamps)
  date_format: "%m/%d/%Y"       # strptime format of date columns; omit for ISO 8601
  timestamp_format: "%m/%d/%Y %H:%M"  # strptime format of timestamp columns; omit for ISO 8601
  delimiter: ","                # one character; "\\t" for tab-separated files
  encoding: cp949               # Python codec name; omit to detect UTF-8 or CP949 per file
  decimal_separator: ","        # "." (default) or ","; with ",", "1.234,50" is 1234.50
  excel_serial_dates: true      # read numbers such as 45322 in date columns as Excel dates
datasets:
  deals:                        # a canonical dataset name
    files: sales_pipeline.csv   # path or glob relative to the landing folder, or a list of them
    columns:                    # canonical column: source column header
      deal_id: opportunity_id
      owner_rep_id: sales_agent
    constants:                  # canonical column: the same text on every row
      currency: USD
    values:                     # canonical column derived through a lookup table
      is_won:
        from: deal_stage        # source column
        map: {Won: true, Lost: false, Engaging: false}
        default: false          # optional; without it an unmapped value is an error
    multipliers:                # canonical numeric column: factor applied after parsing
      amount: 1000
    ignore_columns: [product]   # source columns to drop without a warning
    timezone: ...               # any `source` key may be overridden per dataset
```

Rules:
- A canonical column that is in none of `columns`, `constants` and `values` is read from a
  source column of the same name when the file has one, and is NULL otherwise.
- Several canonical columns may read the same source column (an export without rep ids
  maps both `rep_id` and `rep_name` from the rep's name).
- Value maps match the trimmed source text exactly (case-sensitive); an empty source value
  stays NULL. YAML reads unquoted yes/no/on/off/true/false as booleans, so quote source
  values like those: `"Yes": true`.
- Datasets the file does not mention are absent: optional ones load as empty tables, and a
  missing `reps` dataset is an error.
- `encoding` is any Python codec name; without it each file is detected as UTF-8, CP949
  or UTF-16 (orchestration.ingest.encoding).
- `decimal_separator: ","` reads "1.234,50" as 1234.50; `excel_serial_dates` reads numbers
  in date and timestamp columns as Excel serial dates (1900 date system).

To add a key: extend the matching `_*_KEYS` set and `_parse_dataset` (or `_parse_source`),
then describe it above and in examples/maven_crm/README.md.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from orchestration.ingest.datasets import (
    DATASETS,
    DATASETS_BY_NAME,
    DECIMAL,
    HOURS,
    INTEGER,
    RATE,
    Dataset,
)
from orchestration.ingest.encoding import detect_encoding, normalize_encoding
from orchestration.ingest.errors import IngestError
from orchestration.ingest.sources import (
    DatasetSource,
    ValueMap,
    absent_source,
    check_timezone,
    close_matches_hint,
    delimiter_hint,
    native_sources,
    read_csv_header,
)

MAPPING_VERSION = 1

_TOP_KEYS = {"version", "reporting", "source", "datasets"}
_REPORTING_KEYS = {"currency", "timezone", "fiscal_year_start_month"}
_SOURCE_KEYS = {
    "timezone",
    "date_format",
    "timestamp_format",
    "delimiter",
    "encoding",
    "decimal_separator",
    "excel_serial_dates",
}
_DATASET_KEYS = _SOURCE_KEYS | {
    "files",
    "columns",
    "constants",
    "values",
    "multipliers",
    "ignore_columns",
}
_VALUE_MAP_KEYS = {"from", "map", "default"}
_NUMERIC_TYPES = {INTEGER, DECIMAL, RATE, HOURS}
_GLOB_CHARACTERS = set("*?[")


@dataclass(frozen=True)
class DatasetMapping:
    """One `datasets.<name>` entry of a mapping file, validated but with files unresolved."""

    dataset: str
    file_patterns: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, ValueMap] = field(default_factory=dict)
    multipliers: Mapping[str, float] = field(default_factory=dict)
    ignore_columns: tuple[str, ...] = ()
    timezone: str | None = None
    date_format: str | None = None
    timestamp_format: str | None = None
    delimiter: str = ","
    encoding: str | None = None
    decimal_separator: str = "."
    excel_serial_dates: bool = False


@dataclass(frozen=True)
class MappingFile:
    """A parsed mapping file: reporting defaults and the datasets it maps."""

    path: Path
    reporting: Mapping[str, object]
    datasets: Mapping[str, DatasetMapping]


def plan_sources(
    landing_dir: Path, mapping_file: Path | None = None, default_timezone: str = "UTC"
) -> dict[str, DatasetSource]:
    """Return one DatasetSource per canonical dataset, in the order of DATASETS.

    Without a mapping file every dataset uses the native layout and identity column names.
    With one, datasets it does not mention have no files. `default_timezone` applies to
    naive timestamps unless the mapping file sets `source.timezone` or a dataset timezone.
    Raises IngestError for an invalid mapping file, a mapped file that does not exist, or
    a mapped source column that a file's header does not have.
    """
    landing = Path(landing_dir)
    check_timezone(default_timezone)
    if not landing.is_dir():
        raise IngestError(
            f"Landing folder {landing} not found. Pass the folder that contains the CSV files "
            "(--landing on the command line, SALESAUDIT_LANDING_DIR for the Dagster UI)."
        )

    if mapping_file is None:
        return native_sources(landing, default_timezone)

    mapping = read_mapping(Path(mapping_file))
    sources: dict[str, DatasetSource] = {}
    for dataset in DATASETS:
        entry = mapping.datasets.get(dataset.name)
        if entry is None:
            sources[dataset.name] = absent_source(dataset, default_timezone, mapping.path)
        else:
            sources[dataset.name] = mapped_source(
                landing, mapping.path, dataset, entry, default_timezone
            )
    return sources


def read_mapping(mapping_file: Path) -> MappingFile:
    """Parse and validate a mapping file's structure and names.

    Raises IngestError naming the mapping file, the key and the fix. Files and source
    headers are checked later, by `plan_sources`, against the landing folder.
    """
    path = Path(mapping_file)
    document = _load_yaml(path)
    _check_keys(path, "", document, _TOP_KEYS)

    version = document.get("version", MAPPING_VERSION)
    if version != MAPPING_VERSION:
        raise _error(
            path,
            "version",
            f"unsupported version {version!r}",
            f"Set `version: {MAPPING_VERSION}` or remove the key.",
        )

    reporting = _parse_reporting(path, document.get("reporting"))
    defaults = _parse_source(path, "source", document.get("source"))

    datasets_node = document.get("datasets")
    if not isinstance(datasets_node, dict) or not datasets_node:
        raise _error(
            path,
            "datasets",
            "missing or empty",
            "Add a `datasets:` section that maps at least `reps` to its file.",
        )
    datasets: dict[str, DatasetMapping] = {}
    for name, node in datasets_node.items():
        if name not in DATASETS_BY_NAME:
            known = ", ".join(DATASETS_BY_NAME)
            raise _error(
                path,
                f"datasets.{name}",
                "unknown dataset",
                f"Use one of: {known}.",
            )
        datasets[name] = _parse_dataset(path, DATASETS_BY_NAME[name], node, defaults)
    return MappingFile(path=path, reporting=reporting, datasets=datasets)


def read_reporting_defaults(mapping_file: Path) -> dict[str, object]:
    """Return the validated `reporting:` section of a mapping file, {} when it has none.

    Keys present are a subset of `currency` (upper-case ISO 4217 code), `timezone` (IANA
    name) and `fiscal_year_start_month` (int, 1 to 12). The whole file is validated.
    """
    return dict(read_mapping(mapping_file).reporting)


def mapped_source(
    landing_dir: Path,
    mapping_path: Path,
    dataset: Dataset,
    entry: DatasetMapping,
    default_timezone: str,
) -> DatasetSource:
    """Resolve a mapping entry's files and check each file's header against the mapping."""
    key = f"datasets.{dataset.name}"
    files = _resolve_files(landing_dir, mapping_path, f"{key}.files", entry.file_patterns)

    explicit = dict(entry.columns)
    derived = set(entry.constants) | set(entry.values)
    for path in files:
        header = read_csv_header(path, entry.delimiter, detect_encoding(path, entry.encoding))
        for canonical, source_column in explicit.items():
            _require_header(
                mapping_path,
                f"{key}.columns.{canonical}",
                path,
                header,
                source_column,
                entry.delimiter,
            )
        for canonical, value_map in entry.values.items():
            _require_header(
                mapping_path,
                f"{key}.values.{canonical}.from",
                path,
                header,
                value_map.source_column,
                entry.delimiter,
            )
        for required in dataset.required_columns:
            if required in explicit or required in derived or required in header:
                continue
            raise IngestError(
                f"Mapping file {mapping_path} does not map required column {required!r} of "
                f"dataset {dataset.name!r}, and {path} has no column of that name. Map it "
                f"under {key}.columns (or set it under {key}.constants or {key}.values)."
                f"{delimiter_hint(header, entry.delimiter)}"
            )

    column_map = {
        name: explicit.get(name, name) for name in dataset.column_names if name not in derived
    }
    return DatasetSource(
        dataset=dataset.name,
        files=files,
        column_map=column_map,
        constants=dict(entry.constants),
        value_maps=dict(entry.values),
        timezone=entry.timezone or default_timezone,
        date_format=entry.date_format,
        timestamp_format=entry.timestamp_format,
        delimiter=entry.delimiter,
        multipliers=dict(entry.multipliers),
        mapping_file=mapping_path,
        ignore_columns=frozenset(entry.ignore_columns),
        encoding=entry.encoding,
        decimal_separator=entry.decimal_separator,
        excel_serial_dates=entry.excel_serial_dates,
    )


def _require_header(
    mapping_path: Path,
    key: str,
    path: Path,
    header: tuple[str, ...],
    source_column: str,
    delimiter: str,
) -> None:
    if source_column in header:
        return
    raise IngestError(
        f"Mapping file {mapping_path}, key {key}: source column {source_column!r} is not in "
        f"the header of {path}. Correct the column name in the mapping file, or add the "
        f"column to the file.{close_matches_hint(source_column, header)}"
        f"{delimiter_hint(header, delimiter)}"
    )


def _resolve_files(
    landing_dir: Path, mapping_path: Path, key: str, patterns: tuple[str, ...]
) -> tuple[Path, ...]:
    files: list[Path] = []
    for pattern in patterns:
        if _GLOB_CHARACTERS & set(pattern):
            matches = sorted(
                Path(match)
                for match in glob.glob(str(landing_dir / pattern), recursive=True)
                if Path(match).is_file()
            )
            if not matches:
                raise IngestError(
                    f"Mapping file {mapping_path}, key {key}: no file in {landing_dir} matches "
                    f"{pattern!r}. Correct the pattern, or add the files to the landing folder."
                )
        else:
            path = landing_dir / pattern
            if not path.is_file():
                raise IngestError(
                    f"Mapping file {mapping_path}, key {key}: file {path} not found. Correct "
                    "the path (relative to the landing folder), or add the file."
                )
            matches = [path]
        files.extend(match for match in matches if match not in files)
    return tuple(files)


def _load_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise IngestError(
            f"Mapping file {path} not found. Check the --mapping path, or omit it for "
            "the native landing layout (<landing>/<dataset>.csv)."
        ) from err
    except (OSError, UnicodeDecodeError) as err:
        raise IngestError(f"Mapping file {path} could not be read as UTF-8 text: {err}") from err
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise IngestError(
            f"Mapping file {path} is not valid YAML: {err}. Fix the syntax at the line shown."
        ) from err
    if not isinstance(document, dict):
        raise IngestError(
            f"Mapping file {path} must contain a YAML mapping with a `datasets:` key, "
            f"but its top level is {type(document).__name__}."
        )
    return document


def _parse_reporting(path: Path, node: object) -> dict[str, object]:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise _error(path, "reporting", "must be a mapping", "Use keys like `currency: USD`.")
    _check_keys(path, "reporting", node, _REPORTING_KEYS)
    reporting: dict[str, object] = {}

    if "currency" in node:
        currency = node["currency"]
        if not (isinstance(currency, str) and re.fullmatch(r"[A-Za-z]{3}", currency)):
            raise _error(
                path,
                "reporting.currency",
                f"invalid currency {currency!r}",
                "Use a three-letter ISO 4217 code such as USD or KRW.",
            )
        reporting["currency"] = currency.upper()

    if "timezone" in node:
        reporting["timezone"] = _timezone(path, "reporting.timezone", node["timezone"])

    if "fiscal_year_start_month" in node:
        month = node["fiscal_year_start_month"]
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise _error(
                path,
                "reporting.fiscal_year_start_month",
                f"invalid month {month!r}",
                "Use a month number from 1 to 12.",
            )
        reporting["fiscal_year_start_month"] = month

    return reporting


def _parse_source(path: Path, key: str, node: object) -> dict[str, object]:
    """Validate a `source:` block (or the same keys inside a dataset) and return its values."""
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise _error(path, key, "must be a mapping", "Use keys like `timezone: Asia/Seoul`.")
    _check_keys(path, key, node, _SOURCE_KEYS)
    return _source_options(path, key, node)


def _source_options(path: Path, key: str, node: dict) -> dict[str, object]:
    options: dict[str, object] = {}
    if "timezone" in node:
        options["timezone"] = _timezone(path, f"{key}.timezone", node["timezone"])
    for format_key in ("date_format", "timestamp_format"):
        if format_key in node:
            options[format_key] = _strptime_format(path, f"{key}.{format_key}", node[format_key])
    if "delimiter" in node:
        delimiter = node["delimiter"]
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
            raise _error(
                path,
                f"{key}.delimiter",
                f"invalid delimiter {delimiter!r}",
                'Use one character other than a quote or line break, e.g. "," or ";" or "\\t".',
            )
        options["delimiter"] = delimiter
    if "encoding" in node:
        options["encoding"] = _encoding(path, f"{key}.encoding", node["encoding"])
    if "decimal_separator" in node:
        separator = node["decimal_separator"]
        if separator not in (".", ","):
            raise _error(
                path,
                f"{key}.decimal_separator",
                f"invalid decimal separator {separator!r}",
                'Use "." (1234.50) or "," (1234,50 or 1.234,50).',
            )
        options["decimal_separator"] = separator
    if "excel_serial_dates" in node:
        flag = node["excel_serial_dates"]
        if not isinstance(flag, bool):
            raise _error(
                path,
                f"{key}.excel_serial_dates",
                f"invalid value {flag!r}",
                "Use true or false.",
            )
        options["excel_serial_dates"] = flag
    return options


def _encoding(path: Path, key: str, value: object) -> str:
    try:
        if not isinstance(value, str):
            raise LookupError(value)
        return normalize_encoding(value)
    except LookupError as err:
        raise _error(
            path,
            key,
            f"unknown encoding {value!r}",
            "Use a Python codec name such as utf-8, cp949 or euc-kr, or omit the key "
            "to detect UTF-8 or CP949.",
        ) from err


def _parse_dataset(
    path: Path, dataset: Dataset, node: object, defaults: dict[str, object]
) -> DatasetMapping:
    key = f"datasets.{dataset.name}"
    if not isinstance(node, dict):
        raise _error(path, key, "must be a mapping", "Give at least `files:` and `columns:`.")
    _check_keys(path, key, node, _DATASET_KEYS)
    options = {**defaults, **_source_options(path, key, node)}

    file_patterns = _file_patterns(path, f"{key}.files", node.get("files"))
    columns = _column_renames(path, dataset, f"{key}.columns", node.get("columns"))
    constants = _constants(path, dataset, f"{key}.constants", node.get("constants"))
    values = _value_maps(path, dataset, f"{key}.values", node.get("values"))
    multipliers = _multipliers(path, dataset, f"{key}.multipliers", node.get("multipliers"))
    ignore_columns = _string_list(path, f"{key}.ignore_columns", node.get("ignore_columns"))

    # One canonical column has one origin; two would leave the winner to code order.
    origins: dict[str, str] = {}
    for section, names in (("columns", columns), ("constants", constants), ("values", values)):
        for name in names:
            if name in origins:
                raise _error(
                    path,
                    f"{key}.{section}.{name}",
                    f"column {name!r} is also set under {key}.{origins[name]}",
                    "Keep it in one of columns, constants or values.",
                )
            origins[name] = section

    return DatasetMapping(
        dataset=dataset.name,
        file_patterns=file_patterns,
        columns=columns,
        constants=constants,
        values=values,
        multipliers=multipliers,
        ignore_columns=ignore_columns,
        timezone=options.get("timezone"),  # type: ignore[arg-type]
        date_format=options.get("date_format"),  # type: ignore[arg-type]
        timestamp_format=options.get("timestamp_format"),  # type: ignore[arg-type]
        delimiter=options.get("delimiter", ","),  # type: ignore[arg-type]
        encoding=options.get("encoding"),  # type: ignore[arg-type]
        decimal_separator=options.get("decimal_separator", "."),  # type: ignore[arg-type]
        excel_serial_dates=options.get("excel_serial_dates", False),  # type: ignore[arg-type]
    )


def _file_patterns(path: Path, key: str, node: object) -> tuple[str, ...]:
    patterns = [node] if isinstance(node, str) else node
    if not isinstance(patterns, list) or not patterns:
        raise _error(
            path,
            key,
            "missing",
            "Name the file relative to the landing folder, e.g. `files: deals.csv`, "
            "a glob such as `files: exports/deals_*.csv`, or a list of them.",
        )
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise _error(path, key, f"invalid file entry {pattern!r}", "Use a path or glob.")
    return tuple(pattern.strip() for pattern in patterns)


def _column_renames(path: Path, dataset: Dataset, key: str, node: object) -> dict[str, str]:
    entries = _section(path, key, node)
    renames: dict[str, str] = {}
    for canonical, source_column in entries.items():
        _check_canonical_column(path, dataset, f"{key}.{canonical}", canonical)
        if not isinstance(source_column, str) or not source_column.strip():
            raise _error(
                path,
                f"{key}.{canonical}",
                f"invalid source column {source_column!r}",
                "Give the source column header as text.",
            )
        renames[canonical] = source_column.strip()
    return renames


def _constants(path: Path, dataset: Dataset, key: str, node: object) -> dict[str, str]:
    entries = _section(path, key, node)
    constants: dict[str, str] = {}
    for canonical, value in entries.items():
        _check_canonical_column(path, dataset, f"{key}.{canonical}", canonical)
        constants[canonical] = _scalar_text(path, f"{key}.{canonical}", value)
    return constants


def _value_maps(path: Path, dataset: Dataset, key: str, node: object) -> dict[str, ValueMap]:
    entries = _section(path, key, node)
    value_maps: dict[str, ValueMap] = {}
    for canonical, spec in entries.items():
        entry_key = f"{key}.{canonical}"
        _check_canonical_column(path, dataset, entry_key, canonical)
        if not isinstance(spec, dict):
            raise _error(
                path,
                entry_key,
                "must be a mapping",
                "Give `from: <source column>` and `map: {source value: canonical value}`.",
            )
        _check_keys(path, entry_key, spec, _VALUE_MAP_KEYS)
        source_column = spec.get("from")
        if not isinstance(source_column, str) or not source_column.strip():
            raise _error(path, f"{entry_key}.from", "missing", "Name the source column to read.")
        lookup = spec.get("map")
        if not isinstance(lookup, dict) or not lookup:
            raise _error(
                path,
                f"{entry_key}.map",
                "missing or empty",
                "List each source value and its canonical value, e.g. `map: {Won: true}`.",
            )
        values = {
            _map_key_text(path, f"{entry_key}.map", source_value): _scalar_text(
                path, f"{entry_key}.map.{source_value}", canonical_value
            )
            for source_value, canonical_value in lookup.items()
        }
        default = spec.get("default")
        value_maps[canonical] = ValueMap(
            source_column=source_column.strip(),
            values=values,
            default=None
            if default is None
            else _scalar_text(path, f"{entry_key}.default", default),
        )
    return value_maps


def _multipliers(path: Path, dataset: Dataset, key: str, node: object) -> dict[str, float]:
    entries = _section(path, key, node)
    multipliers: dict[str, float] = {}
    for canonical, factor in entries.items():
        entry_key = f"{key}.{canonical}"
        _check_canonical_column(path, dataset, entry_key, canonical)
        if dataset.column(canonical).type not in _NUMERIC_TYPES:
            raise _error(
                path,
                entry_key,
                f"column {canonical!r} is not numeric",
                "Apply multipliers only to number columns such as amounts or revenue.",
            )
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
            raise _error(
                path,
                entry_key,
                f"invalid multiplier {factor!r}",
                "Use a positive number, e.g. 1000000 for values given in millions.",
            )
        multipliers[canonical] = float(factor)
    return multipliers


def _string_list(path: Path, key: str, node: object) -> tuple[str, ...]:
    if node is None:
        return ()
    items = [node] if isinstance(node, str) else node
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _error(path, key, "must be a list of column names", "Use `[name, other_name]`.")
    return tuple(item.strip() for item in items)


def _section(path: Path, key: str, node: object) -> dict:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise _error(path, key, "must be a mapping", "Use `canonical_column: value` lines.")
    return node


def _check_canonical_column(path: Path, dataset: Dataset, key: str, name: object) -> None:
    if name not in dataset.column_names:
        known = ", ".join(dataset.column_names)
        raise _error(
            path,
            key,
            f"unknown column {name!r} in dataset {dataset.name!r}",
            f"Use one of: {known}.",
        )


def _check_keys(path: Path, key: str, node: dict, allowed: set[str]) -> None:
    unknown = [name for name in node if name not in allowed]
    if unknown:
        where = f"{key}.{unknown[0]}" if key else str(unknown[0])
        raise _error(
            path,
            where,
            "unknown key",
            f"Use one of: {', '.join(sorted(allowed))}.",
        )


def _scalar_text(path: Path, key: str, value: object) -> str:
    """Return a YAML scalar as the text a CSV cell would hold (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise _error(path, key, f"invalid value {value!r}", "Use a single text, number or boolean.")


def _map_key_text(path: Path, key: str, value: object) -> str:
    # YAML reads an unquoted Yes, No, On or Off as a bool and 1.50 as a float, and neither
    # converts back to the source text. Only text and whole numbers survive the round trip.
    if isinstance(value, bool) or isinstance(value, float):
        raise _error(
            path,
            f"{key}.{value}",
            f"YAML read this source value as {type(value).__name__} {value!r}",
            'Quote the source value as it appears in the file, e.g. "Yes": true.',
        )
    if isinstance(value, str | int):
        return str(value).strip()
    raise _error(path, f"{key}.{value}", "invalid source value", "Use text.")


def _timezone(path: Path, key: str, value: object) -> str:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise _error(
            path,
            key,
            f"invalid time zone {value!r}",
            "Use an IANA name such as Asia/Seoul, America/New_York or UTC.",
        ) from err
    return value


def _strptime_format(path: Path, key: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or "%" not in value:
        raise _error(
            path,
            key,
            f"invalid format {value!r}",
            'Use a strptime format such as "%d/%m/%Y %H:%M", or omit the key for ISO 8601.',
        )
    return value


def _error(path: Path, key: str, problem: str, fix: str) -> IngestError:
    return IngestError(f"Mapping file {path}, key {key}: {problem}. {fix}")
