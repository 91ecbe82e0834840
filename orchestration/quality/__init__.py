"""The data-quality gate between the raw landing tables and dbt.

- `suites`: reads the great-expectations suites in expectations/<dataset>.json, which
  `build_suites` generates from the landing contract.
- `validate`: runs a suite against `raw.<dataset>` with great-expectations' SQL engine on
  DuckDB (`ge_duckdb` adapts that engine) and returns per-expectation outcomes.
- `rules`: turns each row-level expectation into SQL that selects the failing rows.
- `quarantine`: moves those rows out of `raw.<dataset>` into `quarantine.<dataset>`.
- `data_docs`: writes the HTML report of the latest validation per dataset.
"""
