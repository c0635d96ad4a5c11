"""The published contract documents agree with the models: docs/asyncapi.yaml and docs/schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.config import PROJECT_ROOT
from shared.schemas.asyncapi import asyncapi_document, render_asyncapi
from shared.schemas.export import export_schemas
from shared.schemas.registry import ALL_TOPICS, CONTRACT_TOPICS, Topic
from tradewatch_cli.main import main

DOCS = PROJECT_ROOT / "docs"
REGENERATE = (
    "tradewatch schemas asyncapi docs/asyncapi.yaml && tradewatch schemas export docs/schemas"
)


def resolve(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` replaced by what it points at (recursion is cut)."""
    if isinstance(node, list):
        return [resolve(item, root, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        assert ref.startswith("#/"), f"non-local reference {ref}"
        if ref in seen:
            return {"$recursive": ref.rsplit("/", 1)[-1]}
        target: Any = root
        for part in ref[2:].split("/"):
            assert isinstance(target, dict) and part in target, f"dangling reference {ref}"
            target = target[part]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return resolve({**target, **siblings}, root, (*seen, ref))
    return {k: resolve(v, root, seen) for k, v in node.items() if k != "$defs"}


def channel_of(document: dict[str, Any], topic: Topic) -> dict[str, Any]:
    found = [c for c in document["channels"].values() if c["address"] == topic.name]
    assert len(found) == 1, f"{topic.name}: {len(found)} channels"
    channel: dict[str, Any] = found[0]
    return channel


def test_committed_document_is_what_the_registry_generates() -> None:
    committed = (DOCS / "asyncapi.yaml").read_text(encoding="utf-8")
    assert committed == render_asyncapi(), f"docs/asyncapi.yaml is stale: run {REGENERATE}"


def test_every_topic_is_a_channel_and_nothing_else_is() -> None:
    document = asyncapi_document()
    assert document["asyncapi"].startswith("3.")
    addresses = sorted(c["address"] for c in document["channels"].values())
    assert addresses == sorted(t.name for t in ALL_TOPICS)


@pytest.mark.parametrize("topic", ALL_TOPICS, ids=lambda t: t.name)
def test_each_channel_names_its_key_and_partitions(topic: Topic) -> None:
    document = asyncapi_document()
    channel = resolve(channel_of(document, topic), document)
    binding = channel["bindings"]["kafka"]
    assert binding["partitions"] == topic.partitions
    assert binding["topicConfiguration"]["cleanup.policy"] == [topic.cleanup_policy]
    for message in channel["messages"].values():
        assert topic.key in message["bindings"]["kafka"]["key"]["description"]


@pytest.mark.parametrize("topic", CONTRACT_TOPICS, ids=lambda t: t.name)
def test_each_channel_payload_is_the_models_json_schema(topic: Topic) -> None:
    assert topic.model is not None
    document = asyncapi_document()
    channel = resolve(channel_of(document, topic), document)
    payloads = [
        m["payload"] for m in channel["messages"].values() if m["payload"] != {"type": "null"}
    ]
    model_schema = topic.model.model_json_schema(mode="serialization")
    assert payloads == [resolve(model_schema, model_schema)]


def test_compacted_topic_documents_its_tombstone() -> None:
    document = asyncapi_document()
    for topic in ALL_TOPICS:
        channel = resolve(channel_of(document, topic), document)
        tombstones = [m for m in channel["messages"].values() if m["payload"] == {"type": "null"}]
        assert len(tombstones) == (1 if topic.cleanup_policy == "compact" else 0), topic.name


def test_every_reference_in_the_document_resolves() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text(encoding="utf-8"))
    resolve(document, document)
    for operation in document["operations"].values():
        assert operation["action"] == "send"
        resolve(operation, document)


def test_committed_json_schemas_equal_a_fresh_export(tmp_path: Path) -> None:
    fresh = {p.name: p.read_text(encoding="utf-8") for p in export_schemas(tmp_path)}
    committed = {
        p.name: p.read_text(encoding="utf-8") for p in (DOCS / "schemas").glob("*.schema.json")
    }
    assert committed == fresh, f"docs/schemas is stale: run {REGENERATE}"
    for text in committed.values():
        assert json.loads(text)["type"] == "object"


def test_cli_writes_the_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "asyncapi.yaml"
    assert main(["schemas", "asyncapi", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_asyncapi()
    assert str(target) in capsys.readouterr().out
