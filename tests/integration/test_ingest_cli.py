"""`tradewatch ingest FILE` against the real broker: what lands, what is dead-lettered with its
line, what the person at the terminal is told, and the exit code."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.config import Settings
from shared.kafka.records import Record
from shared.schemas.shipment import Shipment
from tradewatch_cli.commands.ingest import run
from tradewatch_cli.main import build_parser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
ReadTopic = Callable[..., list[Record]]


def ingest(kafka_bootstrap: str, topic_prefix: str, *argv: str) -> int:
    args = build_parser().parse_args(["ingest", *argv])
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    return run(args, settings)


def test_a_csv_with_a_bad_line_ingests_the_rest_and_names_the_line(
    kafka_bootstrap: str,
    topic_prefix: str,
    ingest_topics: Any,
    read_topic: ReadTopic,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = ingest(
        kafka_bootstrap, topic_prefix, str(FIXTURES / "customs_export.csv"), "--source", "kcs"
    )
    said = capsys.readouterr()
    assert code == 1
    assert "line 6: goods.0.hs_code: HS code '85X' must be 2 to 10 digits" in said.err
    assert "customs_export.csv: read 4, accepted 3, rejected 1" in said.out
    assert "rejected       1  invalid_hs_code" in said.out

    landed = {(r.key or b"").decode(): r for r in read_topic(ingest_topics.shipments, 3)}
    assert sorted(landed) == ["kcs:KR-2024-000117", "kcs:KR-2024-000118", "kcs:KR-2024-000120"]
    aurus = Shipment.model_validate_json(landed["kcs:KR-2024-000117"].value or b"")
    assert [g.hs_code for g in aurus.goods] == ["870830", "870899", "848340"]
    assert aurus.parties[1].identifiers == {"tax_id": "7743237789"}

    [dead] = read_topic(ingest_topics.dlq, 1)
    assert dead.key == b"kcs:KR-2024-000119"
    assert dead.header("tw.dlq.line") == b"6"
    assert dead.header("tw.dlq.file") == b"customs_export.csv"
    assert dead.header("tw.dlq.error_type") == b"invalid_hs_code"
    assert b"goods.0.hs_code" in (dead.header("tw.dlq.reason") or b"")
    assert (dead.value or b"").splitlines()[1].startswith(b"KR-2024-000119,")


def test_jsonl_with_allow_rejects_exits_0_and_dead_letters_each_bad_line(
    kafka_bootstrap: str,
    topic_prefix: str,
    ingest_topics: Any,
    read_topic: ReadTopic,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = ingest(
        kafka_bootstrap, topic_prefix, str(FIXTURES / "shipments.jsonl"), "--allow-rejects"
    )
    said = capsys.readouterr()
    assert code == 0
    assert "line 4: parties.0.country: unknown country 'Atlantis'" in said.err
    assert "line 5: (record): not JSON" in said.err
    keys = sorted((r.key or b"").decode() for r in read_topic(ingest_topics.shipments, 3))
    assert keys == ["hk-customs:HK-77001", "hk-customs:HK-77002", "it-adm:IT-5501"]
    dead = read_topic(ingest_topics.dlq, 2)
    assert sorted(r.header("tw.dlq.line") or b"" for r in dead) == [b"4", b"5"]


def test_a_written_mapping_and_sending_twice_is_harmless(
    kafka_bootstrap: str,
    topic_prefix: str,
    ingest_topics: Any,
    read_topic: ReadTopic,
) -> None:
    argv = (
        str(FIXTURES / "kcs_export.csv"),
        "--mapping",
        str(FIXTURES / "kcs_mapping.yaml"),
        "--source",
        "kcs",
    )
    assert ingest(kafka_bootstrap, topic_prefix, *argv) == 0
    assert ingest(kafka_bootstrap, topic_prefix, *argv) == 0

    by_key: dict[str, set[bytes]] = defaultdict(set)
    for record in read_topic(ingest_topics.shipments, 4):
        by_key[(record.key or b"").decode()].add(record.value or b"")
    # Twice the same key with the same value: consumers keyed on source:shipment_id dedupe.
    assert {key: len(values) for key, values in by_key.items()} == {
        "kcs:24-881": 1,
        "kcs:24-882": 1,
    }
    [value] = by_key["kcs:24-881"]
    shipment = Shipment.model_validate_json(value)
    assert [p.name for p in shipment.parties] == ["Kyungki Industrial Co", "OOO «АУРУС»"]
    assert read_topic(ingest_topics.dlq, 0, timeout_s=1) == []
