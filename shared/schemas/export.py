"""JSON Schema per topic value, and the examples each must validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.schemas.registry import CONTRACT_TOPICS, Topic

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


def json_schema(topic: Topic) -> dict[str, Any]:
    assert topic.model is not None
    schema = topic.model.model_json_schema(mode="serialization")
    schema["$id"] = f"https://tradewatch.dev/schemas/{topic.name}.json"
    schema["description"] = f"{topic.description} Key: {topic.key}. Produced by {topic.producer}."
    return schema


def export_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in CONTRACT_TOPICS:
        path = directory / f"{topic.name}.schema.json"
        path.write_text(json.dumps(json_schema(topic), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def examples(topic: Topic) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((EXAMPLES_DIR / f"{topic.name}.json").read_text())
    return data
