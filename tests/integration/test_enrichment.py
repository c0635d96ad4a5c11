"""The enrichment service as a process (`python -m services.enrichment`) against the real broker.

Each test creates its own prefixed topics; the service prefixes its consumer group the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.kafka.adapter import KafkaAdmin, KafkaProducerAdapter, KafkaTopicReader
from shared.kafka.records import Output, Record
from shared.schemas import ScreenedShipment, WatchlistEntry
from shared.schemas.registry import (
    ALL_TOPICS,
    SHIPMENTS_INGESTED,
    SHIPMENTS_SCREENED,
    WATCHLIST_ENTRIES,
    dlq_topic,
)
from shared.watchlists.sources import read_entries

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SDN_SOURCE = "ofac-sdn:/work/shared/data/sanctions/ofac/sdn-2024-05-03"
INGESTED_AT = b"2024-02-23T10:00:00+00:00"


# fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def topics(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    admin = KafkaAdmin(kafka_bootstrap)
    admin.create_topics(ALL_TOPICS, topic_prefix)
    yield topic_prefix
    admin.delete_topics([topic_prefix + t.name for t in ALL_TOPICS])
    admin.close()


@pytest.fixture(scope="module")
def sdn_entries() -> list[WatchlistEntry]:
    settings_dir = os.environ.get("TRADEWATCH_SANCTIONS_DATA_DIR", "/work/shared/data")
    source = SDN_SOURCE.replace("/work/shared/data", settings_dir)
    return read_entries(source)


def aurus(entries: Sequence[WatchlistEntry]) -> WatchlistEntry:
    return next(e for e in entries if e.entry_id == "47956")


def synthetic_entry(entry_id: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(
        list_id="us-ofac-sdn",
        entry_id=entry_id,
        kind="organization",
        name=name,
        programs=["TEST"],
        list_version="test-2",
        published_at=datetime.now(UTC),
    )


def produce(bootstrap: str, outputs: Sequence[Output]) -> None:
    producer = KafkaProducerAdapter(bootstrap, "test-producer")
    deliveries = [producer.send(output) for output in outputs]
    producer.flush(60)
    for delivery in deliveries:
        delivery.wait(60)
    producer.close(10)


def publish_entries(bootstrap: str, prefix: str, entries: Sequence[WatchlistEntry]) -> None:
    topic = prefix + WATCHLIST_ENTRIES.name
    produce(bootstrap, [Output(topic, e.key, e.model_dump_json().encode()) for e in entries])


def publish_tombstone(bootstrap: str, prefix: str, key: str) -> None:
    produce(bootstrap, [Output(prefix + WATCHLIST_ENTRIES.name, key, None)])


def shipment(shipment_id: str, parties: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"shipment_id": shipment_id, "source": "kr-customs", "parties": parties, **fields}


AURUS_PARTY: dict[str, Any] = {
    "role": "consignee",
    "name": "AURUS LLC",
    "country": "RU",
    "identifiers": {"tax_id": "7743237789"},
}
KYUNGKI_PARTY: dict[str, Any] = {
    "role": "shipper",
    "name": "KYUNGKI INDUSTRIAL CO., LTD.",
    "country": "KR",
}


def shipment_output(prefix: str, data: dict[str, Any]) -> Output:
    return Output(
        prefix + SHIPMENTS_INGESTED.name,
        f"{data['source']}:{data['shipment_id']}",
        orjson.dumps(data),
        [("tw.ingested_at", INGESTED_AT)],
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Worker:
    """One `python -m services.enrichment` process with its own HTTP port."""

    def __init__(self, bootstrap: str, prefix: str, log_path: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "TRADEWATCH_TOPIC_PREFIX": prefix,
            "TRADEWATCH_ENRICHMENT_PORT": str(self.port),
            "TRADEWATCH_HTTP_HOST": "127.0.0.1",
            "TRADEWATCH_POLL_TIMEOUT_MS": "200",
        }
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.enrichment"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)

    def wait_ready(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited {self.process.returncode}: {self.logs()}")
            try:
                if self.get("/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"worker not ready in {timeout_s} s: {self.logs()}")

    def metric(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        text = self.get("/metrics").text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in (labels or {}).items()
                ):
                    return float(sample.value)
        return None

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return self.process.returncode


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(workers: list[Worker], bootstrap: str, prefix: str, tmp_path: Path) -> Worker:
    worker = Worker(bootstrap, prefix, tmp_path / f"worker-{len(workers)}.log")
    workers.append(worker)
    return worker


class OutputReader:
    """Reads an output topic from its beginning, keeping everything seen so far."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._reader = KafkaTopicReader(bootstrap, topic, "test-output-reader")
        self.records: list[Record] = []

    def until(self, done: Callable[[list[Record]], bool], timeout_s: float) -> list[Record]:
        deadline = time.monotonic() + timeout_s
        while not done(self.records) and time.monotonic() < deadline:
            self.records.extend(self._reader.poll(300, 5000))
        return self.records

    def screened(self, key: str, timeout_s: float = 30) -> tuple[Record, ScreenedShipment]:
        def found(records: list[Record]) -> bool:
            return any(r.key == key.encode() for r in records)

        self.until(found, timeout_s)
        record = next((r for r in self.records if r.key == key.encode()), None)
        assert record is not None and record.value is not None, f"no screened record for {key}"
        return record, ScreenedShipment.model_validate_json(record.value)

    def close(self) -> None:
        self._reader.close()


def match_ids(screened: ScreenedShipment, party_index: int) -> list[tuple[str, str]]:
    return [(m.list_id, m.entry_id) for m in screened.screening.parties[party_index].matches]


def wait_for_metric(
    worker: Worker, name: str, labels: dict[str, str], expected: float, timeout_s: float = 20
) -> None:
    deadline = time.monotonic() + timeout_s
    while worker.metric(name, labels) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}{labels} never became {expected}: {worker.logs()}")
        time.sleep(0.1)


# the tests -------------------------------------------------------------------------------


def test_aurus_llc_with_its_tax_id_is_screened_to_sdn_entry_47956(
    kafka_bootstrap: str,
    topics: str,
    sdn_entries: list[WatchlistEntry],
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    prefix = topics
    publish_entries(kafka_bootstrap, prefix, sdn_entries)  # the whole SDN list, 47956 among it
    worker = start_worker(workers, kafka_bootstrap, prefix, tmp_path)
    worker.wait_ready()
    assert worker.metric("tradewatch_watchlist_entries", {"list": "us-ofac-sdn"}) == len(
        {e.entry_id for e in sdn_entries}
    )

    data = shipment(
        "KR-EXP-2024-000731",
        [KYUNGKI_PARTY, AURUS_PARTY],
        origin_country="KR",
        destination_country="RU",
        goods=[{"hs_code": "870830", "description": "Brake parts"}],
    )
    produce(kafka_bootstrap, [shipment_output(prefix, data)])

    output = OutputReader(kafka_bootstrap, prefix + SHIPMENTS_SCREENED.name)
    try:
        record, screened = output.screened("kr-customs:KR-EXP-2024-000731")
    finally:
        output.close()
    assert screened.shipment.shipment_id == "KR-EXP-2024-000731"
    consignee = screened.screening.parties[1]
    assert consignee.name == "AURUS LLC" and consignee.role == "consignee"
    best = consignee.matches[0]
    assert (best.list_id, best.entry_id) == ("us-ofac-sdn", "47956")
    assert best.entry_name == "LIMITED LIABILITY COMPANY AURUS"
    assert best.identifier_match and best.programs == ["RUSSIA-EO14024"]
    assert best.explanation
    assert ("us-ofac-sdn", "47956") not in match_ids(screened, 0)
    assert screened.screening.list_versions == {"us-ofac-sdn": aurus(sdn_entries).list_version}
    assert "sanctioned_destination" in {f.code for f in screened.screening.risk_flags}
    assert screened.ingested_at == datetime(2024, 2, 23, 10, tzinfo=UTC)
    assert record.header("tw.ingested_at") == INGESTED_AT
    assert worker.metric("tradewatch_enrichment_matches_total", {"list": "us-ofac-sdn"}) == 1
    assert worker.metric("tradewatch_enrichment_parties_screened_total") == 2
    assert worker.stop() == 0


def test_a_list_change_reaches_the_running_worker(
    kafka_bootstrap: str,
    topics: str,
    sdn_entries: list[WatchlistEntry],
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    prefix = topics
    other = synthetic_entry("T-1", "ZORBEX HOLDINGS")
    publish_entries(kafka_bootstrap, prefix, [aurus(sdn_entries), other])
    worker = start_worker(workers, kafka_bootstrap, prefix, tmp_path)
    worker.wait_ready()
    pid = worker.process.pid
    output = OutputReader(kafka_bootstrap, prefix + SHIPMENTS_SCREENED.name)
    try:
        produce(kafka_bootstrap, [shipment_output(prefix, shipment("A", [AURUS_PARTY]))])
        _, first = output.screened("kr-customs:A")
        assert ("us-ofac-sdn", "47956") in match_ids(first, 0)

        # Delisted: a tombstone while the worker runs; the next shipment no longer matches.
        publish_tombstone(kafka_bootstrap, prefix, "us-ofac-sdn:47956")
        wait_for_metric(worker, "tradewatch_watchlist_entries", {"list": "us-ofac-sdn"}, 1)
        produce(kafka_bootstrap, [shipment_output(prefix, shipment("B", [AURUS_PARTY]))])
        _, second = output.screened("kr-customs:B")
        assert ("us-ofac-sdn", "47956") not in match_ids(second, 0)

        # Newly listed: a new entry while the worker runs; the next shipment matches it.
        listed = synthetic_entry("T-2", "KYUNGKI INDUSTRIAL CO., LTD.")
        publish_entries(kafka_bootstrap, prefix, [listed])
        wait_for_metric(worker, "tradewatch_watchlist_entries", {"list": "us-ofac-sdn"}, 2)
        produce(kafka_bootstrap, [shipment_output(prefix, shipment("C", [KYUNGKI_PARTY]))])
        _, third = output.screened("kr-customs:C")
        assert ("us-ofac-sdn", "T-2") in match_ids(third, 0)
        assert third.screening.list_versions == {"us-ofac-sdn": "test-2"}
    finally:
        output.close()
    assert worker.process.pid == pid and worker.process.poll() is None  # never restarted


def test_a_shipment_on_a_listed_vessel_is_screened_to_its_sdn_entry_by_imo_and_by_name(
    kafka_bootstrap: str,
    topics: str,
    sdn_entries: list[WatchlistEntry],
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    prefix = topics
    vessels = [e for e in sdn_entries if e.kind == "vessel"]  # ARTAVIL (15036) among them
    publish_entries(kafka_bootstrap, prefix, [aurus(sdn_entries), *vessels])
    worker = start_worker(workers, kafka_bootstrap, prefix, tmp_path)
    worker.wait_ready()
    tanker = {"role": "shipper", "name": "GULF STAR PETROLEUM FZE", "country": "AE"}
    produce(
        kafka_bootstrap,
        [
            shipment_output(prefix, shipment("V-IMO", [tanker], vessel={"imo": "9187629"})),
            shipment_output(prefix, shipment("V-NAME", [tanker], vessel={"name": "Artavil"})),
            shipment_output(prefix, shipment("V-NONE", [tanker])),
        ],
    )
    output = OutputReader(kafka_bootstrap, prefix + SHIPMENTS_SCREENED.name)
    try:
        _, by_imo = output.screened("kr-customs:V-IMO")
        _, by_name = output.screened("kr-customs:V-NAME")
        without, _ = output.screened("kr-customs:V-NONE")
    finally:
        output.close()
    assert by_imo.screening.vessel is not None and by_name.screening.vessel is not None
    best = by_imo.screening.vessel.matches[0]
    assert (best.list_id, best.entry_id, best.entry_name) == ("us-ofac-sdn", "15036", "ARTAVIL")
    assert best.identifier_match and best.score == 1.0
    named = by_name.screening.vessel.matches[0]
    assert (named.entry_id, named.identifier_match) == ("15036", False)
    assert without.value is not None
    assert "vessel" not in orjson.loads(without.value)["screening"]
    assert worker.metric("tradewatch_enrichment_matches_total", {"list": "us-ofac-sdn"}) == 2


def test_two_workers_one_killed_mid_stream_every_shipment_is_screened(
    kafka_bootstrap: str,
    topics: str,
    sdn_entries: list[WatchlistEntry],
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    prefix = topics
    total = 3000
    publish_entries(kafka_bootstrap, prefix, [aurus(sdn_entries)])
    victim = start_worker(workers, kafka_bootstrap, prefix, tmp_path)
    survivor = start_worker(workers, kafka_bootstrap, prefix, tmp_path)
    victim.wait_ready()
    survivor.wait_ready()  # ready means it holds partitions: the two share them

    keys = [f"kr-customs:S-{i:05d}" for i in range(total)]
    parties = [KYUNGKI_PARTY, AURUS_PARTY, {"role": "notify", "name": "BYT CO LTD"}]
    outputs = [
        shipment_output(prefix, shipment(f"S-{i:05d}", parties, destination_country="RU"))
        for i in range(total)
    ]

    def stream() -> None:
        for start in range(0, total, 100):
            produce(kafka_bootstrap, outputs[start : start + 100])
            time.sleep(0.05)

    producer = threading.Thread(target=stream)
    producer.start()
    # Kill the victim once it has screened some records, while the stream is still flowing.
    deadline = time.monotonic() + 60
    while (victim.metric("tradewatch_enrichment_parties_screened_total") or 0) < 30:
        assert time.monotonic() < deadline, victim.logs()
        time.sleep(0.05)
    assert producer.is_alive(), "the stream ended before the kill: not mid-stream"
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(10)
    producer.join()

    output = OutputReader(kafka_bootstrap, prefix + SHIPMENTS_SCREENED.name)
    try:
        records = output.until(lambda rs: len({r.key for r in rs}) >= total, timeout_s=120)
    finally:
        output.close()
    seen = {r.key.decode() for r in records if r.key is not None}
    assert seen == set(keys), f"{len(set(keys) - seen)} shipments never screened"
    assert all(
        ("us-ofac-sdn", "47956") in match_ids(ScreenedShipment.model_validate_json(r.value), 1)
        for r in records[:50]
        if r.value is not None
    )
    assert survivor.process.poll() is None, survivor.logs()
    dlq = OutputReader(kafka_bootstrap, prefix + dlq_topic("enrichment").name)
    try:
        assert dlq.until(lambda rs: False, timeout_s=1) == []
    finally:
        dlq.close()
