"""salesaudit: the Dagster code location, its domain modules and the CLI."""
