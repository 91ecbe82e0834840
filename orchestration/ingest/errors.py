"""The one exception ingestion raises for problems a user fixes in their files or mapping."""

from __future__ import annotations


class IngestError(ValueError):
    """A landing file or mapping file cannot be loaded as it is.

    The message names the file, the column, key or record involved, and the fix. When
    DuckDB or the YAML parser reported the problem, their error is chained as `__cause__`.
    """
