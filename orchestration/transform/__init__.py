"""Transform: the dbt project as Dagster assets, the vars passed to dbt, and mart metadata."""
