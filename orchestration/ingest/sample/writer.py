"""Write generated frames as landing CSV files through DuckDB.

Generators hand over pandas frames whose columns are numbers, categoricals or short
strings. DuckDB turns them into the landing text formats (ISO-8601 timestamps with an
offset, `YYYY-MM-DD` dates, decimals with a dot, `true`/`false`) and writes RFC-4180 CSV,
so no Python loop runs per row. A dataset may arrive in several chunks, which are appended
in order under one header. Output is byte-identical for identical frames because DuckDB
keeps insertion order when it writes CSV.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.ingest.datasets import Dataset
from orchestration.ingest.sample.period import KST_OFFSET_SECONDS


@dataclass(frozen=True)
class ColumnFormat:
    """Rendering of one landing column from the frame column of the same name, as text."""

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        return _quote(column), ()

    def source_columns(self, column: str) -> tuple[str, ...]:
        """Return the frame columns the rendered value reads."""
        return (column,)


@dataclass(frozen=True)
class Text(ColumnFormat):
    pass


@dataclass(frozen=True)
class UtcTimestamp(ColumnFormat):
    """UTC epoch seconds rendered as `2025-03-04T01:02:03Z`."""

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        sql = (
            f"strftime(make_timestamp(cast({_quote(column)} as bigint) * 1000000), "
            "'%Y-%m-%dT%H:%M:%SZ')"
        )
        return sql, ()


@dataclass(frozen=True)
class KoreaTimestamp(ColumnFormat):
    """UTC epoch seconds rendered in Korea time with its offset, `2025-03-04T10:02:03+09:00`."""

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        sql = (
            f"strftime(make_timestamp((cast({_quote(column)} as bigint) + ?) * 1000000), "
            "'%Y-%m-%dT%H:%M:%S+09:00')"
        )
        return sql, (KST_OFFSET_SECONDS,)


@dataclass(frozen=True)
class MixedOffsetTimestamp(ColumnFormat):
    """UTC epoch seconds in Korea time where `korea_time_column` is true, else in UTC.

    Landing files merged from several systems mix offsets this way, for example calendar
    entries exported in local time beside CRM tasks in UTC.
    """

    korea_time_column: str

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        korea_sql, korea_parameters = KoreaTimestamp().select_sql(column)
        utc_sql, utc_parameters = UtcTimestamp().select_sql(column)
        sql = f"case when {_quote(self.korea_time_column)} then {korea_sql} else {utc_sql} end"
        return sql, korea_parameters + utc_parameters

    def source_columns(self, column: str) -> tuple[str, ...]:
        return (column, self.korea_time_column)


@dataclass(frozen=True)
class CalendarDate(ColumnFormat):
    """A day number (days since 1970-01-01) rendered as `YYYY-MM-DD`."""

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        return f"date '1970-01-01' + cast({_quote(column)} as integer)", ()


@dataclass(frozen=True)
class Decimal(ColumnFormat):
    """A float rounded half away from zero to `scale` places."""

    scale: int = 2

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        scale = int(self.scale)
        return f"cast(round({_quote(column)}, {scale}) as decimal(18, {scale}))", ()


@dataclass(frozen=True)
class PrefixedId(ColumnFormat):
    """A sequence number rendered as a CRM-style id: `prefix` then zero-padded digits."""

    prefix: str
    digits: int = 12

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        digits = int(self.digits)
        return f"? || lpad(cast({_quote(column)} as varchar), {digits}, '0')", (self.prefix,)


@dataclass(frozen=True)
class ScrambledId(ColumnFormat):
    """A sequence number rendered as a unique random-looking 19-digit number.

    `(n * multiplier + increment) mod 10**19` is a bijection when the multiplier shares no
    factor with 10, so distinct sequence numbers give distinct ids. About 10 % of ids start
    with 0 and about 8 % exceed the signed 64-bit range, so a reader that does not keep ids
    as text loses them.
    """

    multiplier: int
    increment: int

    def __post_init__(self) -> None:
        if self.multiplier % 2 == 0 or self.multiplier % 5 == 0:
            raise ValueError(
                f"Invalid ScrambledId multiplier {self.multiplier}: use an odd number that "
                "does not end in 5, so that ids stay unique."
            )

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        sql = f"lpad(cast((cast({_quote(column)} as hugeint) * ? + ?) % ? as varchar), 19, '0')"
        return sql, (self.multiplier, self.increment, 10**19)


@dataclass(frozen=True)
class HashedId(ColumnFormat):
    """A sequence number rendered as 32 hex digits, like a browser cookie id."""

    salt: str

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        return f"md5(? || cast({_quote(column)} as varchar))", (self.salt,)


@dataclass(frozen=True)
class JsonObject(ColumnFormat):
    """A compact JSON object built from frame columns, as `(key, frame column)` pairs."""

    fields: tuple[tuple[str, str], ...]

    def select_sql(self, column: str) -> tuple[str, tuple[object, ...]]:
        arguments = ", ".join(f"?, {_quote(source)}" for _, source in self.fields)
        return f"json_object({arguments})", tuple(key for key, _ in self.fields)

    def source_columns(self, column: str) -> tuple[str, ...]:
        return tuple(source for _, source in self.fields)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def labels(codes: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """Return a categorical of `dtype` from integer codes. Code -1 is written empty (NULL)."""
    return pd.Categorical.from_codes(codes.astype(np.int32, copy=False), dtype=dtype)


def category_dtype(values: Iterable[str]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(list(values), dtype=object))


class CsvWriter:
    """Writer of landing datasets to `<out_dir>/<dataset>.csv`, one DuckDB connection each."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._connection = duckdb.connect()
        # Insertion order decides the file order. DuckDB keeps it by default, but the
        # generator's determinism depends on it, so it is pinned here.
        self._connection.execute("set preserve_insertion_order = true")
        self._connection.execute("set enable_progress_bar = false")

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> CsvWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(
        self,
        dataset: Dataset,
        chunks: Iterable[pd.DataFrame],
        formats: Mapping[str, ColumnFormat],
    ) -> int:
        """Write the chunks in order under one header and return the number of data rows.

        A contract column the chunk does not have is written empty. The file appears under its
        final name only when complete, so an interrupted run leaves no half-written dataset.
        """
        unknown = set(formats) - set(dataset.column_names)
        if unknown:
            raise ValueError(
                f"Formats for {dataset.name} name columns outside the landing contract: "
                f"{sorted(unknown)}; use the names in orchestration/ingest/datasets.py."
            )
        target = self.out_dir / f"{dataset.name}.csv"
        partial = self.out_dir / f".{dataset.name}.csv.partial"
        chunk_file = self.out_dir / f".{dataset.name}.chunk.csv"
        rows = 0
        try:
            with partial.open("wb") as output:
                output.write((",".join(dataset.column_names) + "\n").encode("utf-8"))
                for chunk in chunks:
                    if chunk.empty:
                        continue
                    self._write_chunk(dataset, chunk, formats, chunk_file)
                    with chunk_file.open("rb") as part:
                        shutil.copyfileobj(part, output, length=1 << 20)
                    rows += len(chunk)
            partial.replace(target)
        finally:
            chunk_file.unlink(missing_ok=True)
            partial.unlink(missing_ok=True)
        return rows

    def _write_chunk(
        self,
        dataset: Dataset,
        chunk: pd.DataFrame,
        formats: Mapping[str, ColumnFormat],
        path: Path,
    ) -> None:
        expressions: list[str] = []
        parameters: list[object] = []
        for name in dataset.column_names:
            column_format = formats.get(name, Text())
            sources = column_format.source_columns(name)
            missing = [source for source in sources if source not in chunk.columns]
            if name in missing:
                # A column the generator does not produce, such as updated_at for events.
                expressions.append(f"null as {_quote(name)}")
                continue
            if missing:
                raise ValueError(
                    f"The {dataset.name} frame lacks columns {missing} that {name} is built from."
                )
            sql, values = column_format.select_sql(name)
            expressions.append(f"{sql} as {_quote(name)}")
            parameters.extend(values)
        self._connection.register("chunk_frame", chunk)
        try:
            query = "select " + ", ".join(expressions) + " from chunk_frame"
            relation = self._connection.sql(query, params=parameters or None)
            relation.write_csv(str(path), header=False, sep=",", quotechar='"')
        except duckdb.Error as err:
            raise RuntimeError(
                f"Writing a chunk of {dataset.name} ({len(chunk)} rows) to {path} failed: {err}"
            ) from err
        finally:
            self._connection.unregister("chunk_frame")
