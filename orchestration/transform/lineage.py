"""Questions about the dbt graph that ingestion and the run log need answered."""

from __future__ import annotations

from collections import deque

from orchestration.transform.project import load_manifest

SOURCE_NAME = "landing"


def _source_unique_id(dataset_name: str) -> str:
    project_name = load_manifest()["metadata"].get("project_name", "salesaudit")
    return f"source.{project_name}.{SOURCE_NAME}.{dataset_name}"


def mart_relations() -> dict[str, str]:
    """Return mart model name -> unique id for every model in the `marts` schema."""
    return {
        node["name"]: unique_id
        for unique_id, node in load_manifest()["nodes"].items()
        if node["resource_type"] == "model" and node.get("schema") == "marts"
    }


def marts_downstream_of_source(dataset_name: str) -> list[str]:
    """Return the sorted names of marts that read the raw dataset, directly or through models."""
    manifest = load_manifest()
    child_map: dict[str, list[str]] = manifest["child_map"]
    marts = {unique_id: name for name, unique_id in mart_relations().items()}
    seen: set[str] = set()
    queue = deque(child_map.get(_source_unique_id(dataset_name), []))
    while queue:
        unique_id = queue.popleft()
        if unique_id in seen:
            continue
        seen.add(unique_id)
        queue.extend(child_map.get(unique_id, []))
    return sorted(marts[unique_id] for unique_id in seen if unique_id in marts)


def sources_upstream_of(model_unique_id: str) -> list[str]:
    """Return the sorted landing dataset names a model reads, directly or through models."""
    parent_map: dict[str, list[str]] = load_manifest()["parent_map"]
    prefix = _source_unique_id("")
    seen: set[str] = set()
    queue = deque(parent_map.get(model_unique_id, []))
    while queue:
        unique_id = queue.popleft()
        if unique_id in seen:
            continue
        seen.add(unique_id)
        queue.extend(parent_map.get(unique_id, []))
    return sorted(unique_id[len(prefix) :] for unique_id in seen if unique_id.startswith(prefix))
