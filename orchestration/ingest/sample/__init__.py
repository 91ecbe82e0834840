"""A deterministic sample company: every landing dataset as CSV, for demos, tests and benchmarks.

`generate_company(out_dir, seed, scale)` writes `<out_dir>/<dataset>.csv` for each dataset of
the landing contract. To add a column, add it to the frame its module builds, with a format
in that module unless it is plain text. To add a dataset, add a table in `generate.py`.
"""

from orchestration.ingest.sample.generate import GenerationSummary, generate_company

__all__ = ["GenerationSummary", "generate_company"]
