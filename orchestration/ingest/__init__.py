"""Ingestion: the canonical landing model, the sample-company generator and the loaders."""
