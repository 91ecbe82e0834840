"""Assemble RESULTS.md from its parts, keeping the parts this run did not measure.

Each part starts at its `## ` heading and runs to the next one. `--only history` writes
only the history part, so the stages part of an earlier full run stays as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

TITLE = "# Scale benchmark results"
INTRO = (
    "`benchmarks/README.md` says what each part measures and how. The parts can come from "
    "different runs (`run_bench.py --only`): each names the command and the date that "
    "wrote it."
)


def split_parts(text: str) -> dict[str, str]:
    """Return the text's parts by heading line; text before the first `## ` is left out."""
    parts: dict[str, str] = {}
    heading = None
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            heading = line.rstrip("\n")
            parts[heading] = ""
        if heading is not None:
            parts[heading] += line
    return parts


def merge_results(existing: str, new_parts: Mapping[str, str], order: Sequence[str]) -> str:
    """Return the results text with `new_parts` replacing or adding parts of `existing`.

    Parts are written in `order`. A part of `existing` whose heading is not in `order`,
    such as one of an older layout, is dropped.
    """
    parts = {heading: text for heading, text in split_parts(existing).items() if heading in order}
    parts.update(new_parts)
    body = "\n".join(parts[heading].rstrip("\n") + "\n" for heading in order if heading in parts)
    return f"{TITLE}\n\n{INTRO}\n\n{body}"
