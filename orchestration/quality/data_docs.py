"""Data Docs: browsable HTML of the latest validation of every dataset.

Layout under `settings.data_dir() / "data_docs"`:
- `validations/<dataset>.html`: the latest validation of the dataset, rendered by
  great-expectations' own Data Docs renderer (`ValidationResultsPageRenderer` and
  `DefaultJinjaPageView`, the pair GE's site builder uses for validation pages). Each
  validation overwrites the page, so it always shows the latest run.
- `expectations/<dataset>.html`: the dataset's suite, rendered by GE's
  `ExpectationSuitePageRenderer`.
- `validations/<dataset>.json`: a summary of the latest run, which the index reads.
- `index.html`: one line per validated dataset, linking its page. This page is written
  here, not by GE: GE's site index lists every stored run of every suite from its
  validation store, while this project keeps only the latest run per dataset.
- `static/styles/data_docs_custom_styles.css`: the stylesheet GE inlines into every page
  (`OFFLINE_STYLES`).

GE's page template loads Bootstrap, jQuery and Font Awesome from public CDNs, and its
template loader gives GE's own templates precedence, so the links cannot be removed.
Without network access the pages keep all their content, and `OFFLINE_STYLES` draws the
pass and fail marks, which GE draws with Font Awesome icons, and the table borders.
GE's links assume its own site layout, four folders deep; `_relink` points them at this
layout.
"""

from __future__ import annotations

import html
import json
import logging
import os
import tempfile
from pathlib import Path

from great_expectations import ExpectationSuite
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.render.renderer import (
    ExpectationSuitePageRenderer,
    ValidationResultsPageRenderer,
)
from great_expectations.render.view import DefaultJinjaPageView

from orchestration import settings

logger = logging.getLogger(__name__)


def data_docs_dir() -> Path:
    return settings.data_dir() / "data_docs"


def write_validation_page(
    dataset_name: str,
    validation_result: ExpectationSuiteValidationResult,
    suite: ExpectationSuite | None = None,
    directory: Path | None = None,
) -> Path:
    """Render a dataset's validation (and suite) into Data Docs and refresh the index.

    Returns the validation page's path. Each file is replaced atomically, so a reader
    never sees a half-written page.
    """
    root = directory or data_docs_dir()
    view = DefaultJinjaPageView(custom_styles_directory=str(_write_styles(root)))

    page = root / "validations" / f"{dataset_name}.html"
    document = ValidationResultsPageRenderer().render(validation_result)
    _write_atomically(page, _relink(view.render(document)))
    if suite is not None:
        suite_page = root / "expectations" / f"{dataset_name}.html"
        _write_atomically(
            suite_page, _relink(view.render(ExpectationSuitePageRenderer().render(suite)))
        )

    statistics = validation_result.statistics
    summary = {
        "dataset": dataset_name,
        "success": bool(validation_result.success),
        "validated_at": validation_result.meta.get("validation_time"),
        "evaluated_expectations": statistics.get("evaluated_expectations"),
        "unsuccessful_expectations": statistics.get("unsuccessful_expectations"),
        "failed_rules": [
            result.expectation_config.meta.get("rule")
            for result in validation_result.results
            if not result.success
        ],
    }
    _write_atomically(page.with_suffix(".json"), json.dumps(summary, indent=2) + "\n")
    write_index(root)
    logger.info("Wrote Data Docs page %s", page)
    return page


def write_index(directory: Path | None = None) -> Path:
    """Write `index.html` listing every dataset page under `validations/`."""
    root = directory or data_docs_dir()
    summaries = []
    for path in sorted((root / "validations").glob("*.json")):
        try:
            summaries.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as err:
            # The page stays listed after its next validation, which rewrites the summary.
            logger.warning("Skipping unreadable Data Docs summary %s: %s", path, err)
    rows = "\n".join(_index_row(summary) for summary in summaries)
    index = root / "index.html"
    _write_atomically(index, _INDEX_TEMPLATE.format(rows=rows or _NO_ROWS))
    return index


def _index_row(summary: dict) -> str:
    dataset_name = html.escape(str(summary.get("dataset")))
    status = "passed" if summary.get("success") else "failed"
    failed = ", ".join(html.escape(str(rule)) for rule in summary.get("failed_rules") or [])
    return (
        f'<tr class="{status}"><td><a href="validations/{dataset_name}.html">{dataset_name}</a>'
        f"</td><td>{status}</td><td>{html.escape(str(summary.get('validated_at')))}</td>"
        f"<td>{summary.get('unsuccessful_expectations')} of "
        f"{summary.get('evaluated_expectations')}</td><td>{failed}</td></tr>"
    )


def _relink(page: str) -> str:
    # Pages sit one folder below the root here, so GE's "../../../../" becomes "../".
    return page.replace('href="../../../../', 'href="../').replace(
        'href="../../../static/', 'href="../static/'
    )


def _write_styles(root: Path) -> Path:
    styles = root / "static" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    _write_atomically(styles / "data_docs_custom_styles.css", OFFLINE_STYLES)
    return styles


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Inlined into every GE page. The marks replace Font Awesome's check and cross, which
# need the CDN, with characters every system font has.
OFFLINE_STYLES = """
i.fas.fa-check-circle::before { content: "\\2714"; font-family: sans-serif; font-style: normal; }
i.fas.fa-times::before { content: "\\2718"; font-family: sans-serif; font-style: normal; }
i.fas.fa-check-circle, i.fas.fa-times { font-weight: bold; }
.text-success { color: #1b7f3b; }
.text-danger { color: #b00020; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.6em; vertical-align: top; }
"""

_NO_ROWS = '<tr><td colspan="5">No dataset has been validated yet.</td></tr>'

_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>salesaudit data quality</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.4em 0.8em; text-align: left; }}
tr.failed td:nth-child(2) {{ color: #b00020; font-weight: bold; }}
tr.passed td:nth-child(2) {{ color: #1b5e20; }}
</style>
</head>
<body>
<h1>Data quality: latest validation per dataset</h1>
<p>Each page is the great-expectations report of the dataset's latest validation.</p>
<table>
<tr><th>Dataset</th><th>Result</th><th>Validated at (UTC)</th>
<th>Failed expectations</th><th>Failed rules</th></tr>
{rows}
</table>
</body>
</html>
"""
