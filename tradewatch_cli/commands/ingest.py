"""`tradewatch ingest FILE [--format csv|jsonl] [--mapping MAPPING] [--source NAME]`.

Sends every record of a file to `shipments.ingested.v1`; a record that cannot be a shipment goes
to `ingest.dlq` with its line number and the reason, and is named on stderr. Exits 1 if any was
rejected, unless `--allow-rejects`. Running the command again is harmless: a re-sent shipment
keeps its key and consumers dedupe.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from services.ingest.csv_mapping import MappingError, default_mapping, load_mapping
from services.ingest.csv_records import CsvFileError
from services.ingest.files import FileItem, csv_items, csv_records, jsonl_items
from services.ingest.ingestor import DeliveryFailed, Ingestor, Rejected
from shared.config import Settings
from shared.kafka.adapter import KafkaProducerAdapter
from shared.runtime import client_id
from shared.schemas.registry import SHIPMENTS_INGESTED, dlq_topic
from tradewatch_cli.main import CliError

CHUNK_RECORDS = 500
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("ingest", help="ingest shipments from a CSV or JSON Lines file")
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--format", choices=("csv", "jsonl"), help="default: from the extension")
    parser.add_argument(
        "--mapping", type=Path, help="CSV column mapping, YAML or JSON (see docs/ingest.md)"
    )
    parser.add_argument("--source", help="the source of records that name none")
    parser.add_argument(
        "--allow-rejects", action="store_true", help="exit 0 even if records were rejected"
    )
    parser.set_defaults(run=run)


@dataclass
class Summary:
    read: int = 0
    accepted: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())

    def report(self, path: Path) -> str:
        lines = [
            f"{path.name}: read {self.read}, accepted {self.accepted}, rejected {self.rejected}"
        ]
        for reason, count in sorted(
            self.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0])
        ):
            lines.append(f"  rejected {count:>7}  {reason}")
        return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    fmt = args.format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CliError(f"cannot tell the format of {path.name}: pass --format csv or jsonl")
    if args.mapping is not None and fmt != "csv":
        raise CliError("--mapping applies to CSV files only")
    items, total, unit = _items(path, fmt, args.mapping)
    try:
        producer = KafkaProducerAdapter(settings.kafka_bootstrap_servers, client_id("ingest-cli"))
    except Exception as error:  # the client library's own errors stay inside its adapter
        raise CliError(
            f"cannot reach Kafka at {settings.kafka_bootstrap_servers} ({error}); nothing was sent"
        ) from None
    ingestor = Ingestor(
        producer,
        topic=settings.topic_prefix + SHIPMENTS_INGESTED.name,
        dlq_topic=settings.topic_prefix + dlq_topic("ingest").name,
    )
    by_bytes = unit == "B"
    progress = tqdm(total=total, unit=unit, unit_scale=by_bytes, file=sys.stderr, desc=path.name)
    try:
        summary = ingest_items(ingestor, items, args.source, progress, by_bytes=by_bytes)
    finally:
        progress.close()
        producer.close(30)
    print(summary.report(path))
    return 1 if summary.rejected and not args.allow_rejects else 0


def ingest_items(
    ingestor: Ingestor,
    items: Iterator[FileItem],
    source: str | None,
    progress: tqdm,
    *,
    by_bytes: bool,
) -> Summary:
    """Send in chunks, each acknowledged before the next; name every rejected line on stderr."""
    summary = Summary()
    while chunk := list(itertools.islice(items, CHUNK_RECORDS)):
        try:
            outcomes = ingestor.ingest([item.submission for item in chunk], source)
        except DeliveryFailed as error:
            raise CliError(
                f"{error}. The {summary.read} records before this chunk were ingested; "
                "running the command again is safe (re-sent records keep their keys)."
            ) from None
        for item, outcome in zip(chunk, outcomes, strict=True):
            summary.read += 1
            if isinstance(outcome, Rejected):
                summary.rejected_by_reason[outcome.error_type] += 1
                for problem in outcome.errors:
                    line = item.line_of(problem)
                    message = f"line {line}: {problem.where}: {problem.msg}"
                    progress.write(message, file=progress.fp)
            else:
                summary.accepted += 1
            progress.update(item.size_bytes if by_bytes else 1)
    return summary


def _items(path: Path, fmt: str, mapping_path: Path | None) -> tuple[Iterator[FileItem], int, str]:
    if fmt == "jsonl":
        return jsonl_items(path), path.stat().st_size, "B"
    mapping = default_mapping()
    if mapping_path is not None:
        try:
            mapping = load_mapping(mapping_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, MappingError) as error:
            raise CliError(f"{mapping_path}: {error}") from None
    try:
        records = csv_records(path, mapping, every_column=mapping_path is not None)
    except CsvFileError as error:
        raise CliError(f"{path}: {error}") from None
    return csv_items(path, records), len(records), " records"
