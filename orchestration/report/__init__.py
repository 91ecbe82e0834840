"""Report: tables a person reads, for the CLI, asset metadata and later the audit report."""
