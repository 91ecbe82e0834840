"""Text encodings of landing files: detection, and streaming transcoding to UTF-8.

DuckDB's CSV reader reads UTF-8 (a byte order mark is skipped). Other encodings need a
DuckDB extension that is downloaded at run time. So a file in another encoding is
transcoded with Python's codec, in one streaming pass, to a temporary UTF-8 copy. DuckDB
reads the copy, and the copy is deleted after the load.

Detection reads the first `SAMPLE_BYTES` of a file. A UTF-16 byte order mark means
UTF-16, and bytes that decode as UTF-8 mean UTF-8. Otherwise bytes that decode as CP949
(the encoding of Korean Windows and Excel exports, a superset of EUC-KR) mean CP949.
When DuckDB later finds invalid UTF-8 in a file whose sample decoded as UTF-8, the loader
calls `redetect_encoding`, which reads the whole file.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.ingest.errors import IngestError

logger = logging.getLogger(__name__)

UTF8 = "utf-8"
CP949 = "cp949"
SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 4 << 20

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")


def normalize_encoding(name: str) -> str:
    """Return Python's canonical name for the codec `name`; raise LookupError if unknown."""
    canonical = codecs.lookup(name).name
    # DuckDB skips a UTF-8 byte order mark itself, so utf-8-sig needs no transcoding.
    return UTF8 if canonical == "utf-8-sig" else canonical


def is_utf8(encoding: str) -> bool:
    return normalize_encoding(encoding) == UTF8


def is_ascii_compatible(encoding: str) -> bool:
    """Return whether line breaks and quotes are single ASCII bytes in `encoding`.

    True for UTF-8, CP949 and EUC-KR, whose multi-byte characters never contain a byte
    below 0x41, and for single-byte codecs. False for UTF-16 and UTF-32.
    """
    return not normalize_encoding(encoding).startswith(("utf-16", "utf-32"))


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """Return the codec to read `path` with: `declared` when given, else a detected one.

    Raises IngestError when the file is missing, contains NUL bytes (a binary file such as
    a ZIP archive or an Excel workbook), or its sample is neither UTF-8 nor CP949.
    """
    try:
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except FileNotFoundError as err:
        raise IngestError(f"Landing file {path} not found.") from err
    except OSError as err:
        raise IngestError(f"Landing file {path} could not be read: {err}.") from err

    if declared is not None:
        return normalize_encoding(declared)
    if sample.startswith(_UTF16_BOMS):
        return "utf-16"
    nul_offset = sample.find(b"\x00")
    if nul_offset >= 0:
        raise IngestError(
            f"Landing file {path} contains a NUL byte at byte offset {nul_offset}, "
            "so it is not CSV text; it may be a ZIP archive or an Excel workbook. Export "
            "the data as CSV (UTF-8)."
        )
    utf8_error = _first_decode_error(sample, UTF8)
    if utf8_error is None:
        return UTF8
    if _first_decode_error(sample, CP949) is None:
        logger.info("Landing file %s is not UTF-8 but decodes as CP949; reading it as CP949", path)
        return CP949
    raise IngestError(
        f"Landing file {path} is neither UTF-8 nor CP949 text: invalid byte sequence at "
        f"byte offset {utf8_error}. Export it again as CSV UTF-8, or set `encoding` for "
        "the dataset in a mapping file."
    )


@contextmanager
def utf8_file(path: Path, encoding: str) -> Iterator[Path]:
    """Yield a UTF-8 version of `path`: the file itself, or a temporary transcoded copy.

    The copy is deleted when the block ends, also when it raises.
    """
    if is_utf8(encoding):
        yield path
        return
    descriptor, name = tempfile.mkstemp(prefix=f"salesaudit-{path.stem}-", suffix=".csv")
    copy = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as target:
            transcode_to_utf8(path, encoding, target)
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def transcode_to_utf8(path: Path, encoding: str, target) -> None:
    """Write `path`, decoded with `encoding`, to the binary stream `target` as UTF-8.

    Reads `CHUNK_BYTES` at a time. Raises IngestError naming the byte offset of the
    first byte sequence that is invalid in `encoding`.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as source:
        while True:
            chunk = source.read(CHUNK_BYTES)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                # err.start counts from the undecoded bytes the decoder kept from the last chunk.
                position = offset - pending + err.start
                raise IngestError(
                    f"Landing file {path} is not valid {encoding} text: {err.reason} at byte "
                    f"offset {position}. Export it again as CSV UTF-8, or correct the "
                    "`encoding` set for the dataset in the mapping file."
                ) from err
            target.write(text.encode(UTF8))
            offset += len(chunk)
            if not chunk:
                return


def utf8_chunks(path: Path, encoding: str) -> Iterator[bytes]:
    """Yield the file's content as UTF-8-compatible bytes, `CHUNK_BYTES` at a time.

    An ASCII-compatible encoding is yielded as stored, since line breaks and quotes are
    the same bytes; UTF-16 and UTF-32 are decoded and yielded as UTF-8.
    """
    decoder = None if is_ascii_compatible(encoding) else codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            yield chunk if decoder is None else decoder.decode(chunk).encode(UTF8)


def redetect_encoding(path: Path) -> str:
    """Decide the encoding from the whole file, when only its sample decoded as UTF-8.

    Returns CP949 when the whole file decodes as CP949 and no byte before the first
    invalid UTF-8 sequence is outside ASCII, so no character read so far would change
    meaning. Raises IngestError naming the byte offset otherwise. Reads the file twice.
    """
    utf8_error: int | None = None
    first_non_ascii: int | None = None
    decoder = codecs.getincrementaldecoder(UTF8)()
    offset = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            if first_non_ascii is None and not chunk.isascii():
                first_non_ascii = offset + _NON_ASCII_BYTE.search(chunk).start()
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                utf8_error = offset - pending + err.start
                break
            offset += len(chunk)
    if utf8_error is None:
        return UTF8
    if first_non_ascii == utf8_error:
        try:
            transcode_to_utf8(path, CP949, _DiscardingWriter())
        except IngestError:
            pass
        else:
            logger.info("Landing file %s is CP949 after an ASCII start; reading it as CP949", path)
            return CP949
    raise IngestError(
        f"Landing file {path} is not valid UTF-8 text: invalid byte sequence at byte offset "
        f"{utf8_error}, and it is not CP949 text either. Export it again as CSV UTF-8, or "
        "set `encoding` for the dataset in a mapping file."
    )


class _DiscardingWriter:
    def write(self, data: bytes) -> int:
        return len(data)


def _first_decode_error(sample: bytes, encoding: str) -> int | None:
    # The sample may end inside a multi-byte character, so the decode is not final.
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError as err:
        return err.start
    return None
