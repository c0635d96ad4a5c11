"""`tradewatch ingest` on the in-memory bus: summary, named lines, the DLQ's line headers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tqdm import tqdm

from services.ingest import Ingestor
from services.ingest.csv_mapping import default_mapping
from services.ingest.files import csv_items, csv_records, jsonl_items
from shared.kafka.memory import MemoryBroker, MemoryProducer
from tradewatch_cli.commands.ingest import Summary, ingest_items
from tradewatch_cli.main import build_parser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ingest"
TOPIC, DLQ = "shipments.ingested.v1", "ingest.dlq"


def run_items(path: Path, fmt: str, source: str | None) -> tuple[Summary, str, MemoryBroker]:
    broker = MemoryBroker()
    ingestor = Ingestor(MemoryProducer(broker), topic=TOPIC, dlq_topic=DLQ)
    if fmt == "csv":
        items = csv_items(path, csv_records(path, default_mapping(), every_column=False))
    else:
        items = jsonl_items(path)
    out = io.StringIO()
    summary = ingest_items(ingestor, items, source, tqdm(file=out), by_bytes=fmt == "jsonl")
    return summary, out.getvalue(), broker


def test_csv_summary_names_the_bad_line_and_lands_the_rest() -> None:
    summary, said, broker = run_items(FIXTURES / "customs_export.csv", "csv", "kcs")
    assert (summary.read, summary.accepted, dict(summary.rejected_by_reason)) == (
        4,
        3,
        {"invalid_hs_code": 1},
    )
    assert "line 6: goods.0.hs_code: HS code '85X' must be 2 to 10 digits" in said
    keys = sorted((r.key or b"").decode() for r in broker.records(TOPIC))
    assert keys == ["kcs:KR-2024-000117", "kcs:KR-2024-000118", "kcs:KR-2024-000120"]
    [dead] = broker.records(DLQ)
    assert dead.header("tw.dlq.line") == b"6"
    assert dead.header("tw.dlq.file") == b"customs_export.csv"
    assert dead.key == b"kcs:KR-2024-000119"


def test_jsonl_lines_are_numbered_as_in_the_file() -> None:
    summary, said, broker = run_items(FIXTURES / "shipments.jsonl", "jsonl", None)
    assert (summary.read, summary.accepted) == (5, 3)
    assert dict(summary.rejected_by_reason) == {"unknown_country": 1, "invalid_json": 1}
    assert "line 4: parties.0.country: unknown country 'Atlantis'" in said
    assert "line 5: (record): not JSON" in said
    lines = sorted(r.header("tw.dlq.line") or b"" for r in broker.records(DLQ))
    assert lines == [b"4", b"5"]
    report = summary.report(Path("shipments.jsonl"))
    assert report.splitlines()[0] == "shipments.jsonl: read 5, accepted 3, rejected 2"


def test_the_command_line() -> None:
    args = build_parser().parse_args(
        [
            "ingest",
            "x.csv",
            "--format",
            "csv",
            "--mapping",
            "m.yaml",
            "--source",
            "kcs",
            "--allow-rejects",
        ]
    )
    assert (args.format, args.mapping, args.source, args.allow_rejects) == (
        "csv",
        Path("m.yaml"),
        "kcs",
        True,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", "x.csv", "--format", "xml"])
