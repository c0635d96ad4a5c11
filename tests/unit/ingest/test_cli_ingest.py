"""`tradewatch ingest` on the in-memory bus: summary, named lines, the DLQ's line headers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from tqdm import tqdm

from services.ingest import Ingestor
from services.ingest.csv_mapping import default_mapping
from services.ingest.files import csv_items, csv_records, jsonl_items
from shared.config import Settings
from shared.kafka.memory import MemoryBroker, MemoryProducer
from tradewatch_cli.commands.ingest import Summary, ingest_items, run
from tradewatch_cli.main import CliError, build_parser

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


@pytest.mark.parametrize(
    ("files", "argv", "says"),
    [
        ({}, ["missing.csv"], "no such file"),
        ({"data.txt": "x"}, ["data.txt"], "--format csv or jsonl"),
        ({"data.jsonl": "{}"}, ["data.jsonl", "--mapping", "m.yaml"], "CSV files only"),
        (
            {"data.csv": "id\n1\n", "m.yaml": "shipment: ["},
            ["data.csv", "--mapping", "m.yaml"],
            "not valid YAML",
        ),
        ({"data.csv": "id\n1\n"}, ["data.csv", "--mapping", "absent.yaml"], "absent.yaml"),
        (
            {"data.csv": "id,name\n1,A\n", "m.yaml": "shipment: {shipment_id: id, source: src}"},
            ["data.csv", "--mapping", "m.yaml"],
            "lacks the column(s) the mapping names: src",
        ),
        (
            {"data.csv": "name\nA\n"},
            ["data.csv"],
            "lacks the column(s) the mapping names: shipment_id",
        ),
    ],
)
def test_user_mistakes_are_cli_errors_before_anything_is_sent(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    argv: list[str],
    says: str,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["ingest", *argv])
    # An unreachable broker: reaching it would be a bug here, and would fail loudly.
    with pytest.raises(CliError, match=re.escape(says)):
        run(args, Settings(kafka_bootstrap_servers="127.0.0.1:1"))
