"""The generated company a benchmark runs on, reused across runs when nothing has changed.

A company lives in `<work>/company-seed<seed>-scale<scale>/`: the landing CSV files in
`landing/` and `generation.json` beside them. The JSON records the seed, scale, row counts,
file sizes and a fingerprint of the generator's source. A later run reuses the folder only
when the seed, the scale and the fingerprint match and every file still has its recorded
size, so an edited generator or a half-written folder is generated anew.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
# The generator package and the landing contract decide the generated rows.
GENERATOR_SOURCES = (
    REPOSITORY_ROOT / "orchestration" / "ingest" / "sample",
    REPOSITORY_ROOT / "orchestration" / "ingest" / "datasets.py",
)
METADATA_FILE = "generation.json"

# The sizes the scale benchmark must reach, in rows.
REQUIRED_ROWS = {"activities": 5_000_000, "email_events": 10_000_000, "deals": 200_000}


@dataclass(frozen=True)
class Company:
    """A generated landing folder and how it was made."""

    seed: int
    scale: float
    generator_fingerprint: str
    first_month: str
    last_month: str
    reporting_timezone: str
    reporting_currency: str
    row_counts: dict[str, int]
    file_bytes: dict[str, int]
    generation_seconds: float
    generation_peak_mb: float
    generated_at: str

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    @property
    def total_megabytes(self) -> float:
        return sum(self.file_bytes.values()) / 1024 / 1024


def company_dir(
    work_dir: Path, seed: int, scale: float, first_month: str = "", months: int = 0
) -> Path:
    """Return the company's folder. A company of given months also names its first month."""
    name = f"company-seed{seed}-scale{scale:g}"
    if months:
        name += f"-from{first_month}-months{months}"
    return work_dir / name


def landing_dir(folder: Path) -> Path:
    return folder / "landing"


def generator_fingerprint(sources: tuple[Path, ...] = GENERATOR_SOURCES) -> str:
    """Return a SHA-256 over the generator's Python files, their paths and contents."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for source in sources:
        files.extend(sorted(source.rglob("*.py")) if source.is_dir() else [source])
    for path in files:
        digest.update(str(path.relative_to(REPOSITORY_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def file_sizes(landing: Path) -> dict[str, int]:
    """Return the size in bytes of every CSV file under `landing`, by relative path."""
    return {
        str(path.relative_to(landing)): path.stat().st_size
        for path in sorted(landing.rglob("*.csv"))
    }


def write_metadata(folder: Path, company: Company) -> None:
    (folder / METADATA_FILE).write_text(json.dumps(asdict(company), indent=2) + "\n")


def read_metadata(folder: Path) -> Company | None:
    """Return the recorded company, or None when the folder has no readable record."""
    try:
        return Company(**json.loads((folder / METADATA_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def month_count(first_month: str, last_month: str) -> int:
    """Return the number of months from `first_month` to `last_month` (YYYY-MM), both included."""
    first_year, first = (int(part) for part in first_month.split("-"))
    last_year, last = (int(part) for part in last_month.split("-"))
    return (last_year - first_year) * 12 + last - first + 1


def reusable_company(
    folder: Path,
    seed: int,
    scale: float,
    fingerprint: str,
    first_month: str = "",
    months: int = 0,
) -> Company | None:
    """Return the folder's company when it matches the request and its files are intact.

    `first_month` and `months` are checked only when given.
    """
    company = read_metadata(folder)
    if company is None:
        return None
    if (company.seed, company.scale, company.generator_fingerprint) != (seed, scale, fingerprint):
        return None
    if first_month and company.first_month != first_month:
        return None
    if months and month_count(company.first_month, company.last_month) != months:
        return None
    if not company.row_counts or file_sizes(landing_dir(folder)) != company.file_bytes:
        return None
    return company


def missing_required_rows(row_counts: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Return each dataset below its required size as (rows, required rows)."""
    return {
        name: (row_counts.get(name, 0), required)
        for name, required in REQUIRED_ROWS.items()
        if row_counts.get(name, 0) < required
    }
