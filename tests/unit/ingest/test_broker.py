"""BackgroundProducer: connects when it can, replaces a failed producer once, closes cleanly."""

from __future__ import annotations

import threading
import time

from services.ingest.broker import BackgroundProducer, broker_reachable
from shared.kafka.memory import MemoryBroker, MemoryProducer
from shared.kafka.records import Producer


class Counting(MemoryProducer):
    def __init__(self) -> None:
        super().__init__(MemoryBroker())
        self.closed = False

    def close(self, timeout_s: float) -> None:
        self.closed = True


def wait_for(condition: object, timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


def test_keeps_trying_until_the_broker_answers() -> None:
    attempts: list[int] = []
    made = Counting()

    def make() -> Producer:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("no broker")
        return made

    background = BackgroundProducer(make, retry_s=0.01)
    assert background.producer is None
    background.start()
    wait_for(lambda: background.producer is made)
    assert len(attempts) == 3


def test_a_failed_producer_is_replaced_once() -> None:
    producers = [Counting(), Counting(), Counting()]
    calls: list[int] = []

    def make() -> Producer:
        calls.append(1)
        return producers[len(calls) - 1]

    background = BackgroundProducer(make, retry_s=0.01)
    background.start()
    wait_for(lambda: background.producer is producers[0])
    background.replace(producers[0])
    background.replace(producers[0])  # a second report of the same failure changes nothing
    wait_for(lambda: background.producer is producers[1])
    time.sleep(0.1)
    assert producers[0].closed and not producers[1].closed
    assert (len(calls), background.producer) == (2, producers[1])


def test_close_does_not_wait_for_a_connection_attempt_and_closes_what_it_makes() -> None:
    release = threading.Event()
    late = Counting()

    def make() -> Producer:
        release.wait(5)
        return late

    background = BackgroundProducer(make)
    background.start()
    started = time.monotonic()
    background.close(30)
    assert time.monotonic() - started < 1
    release.set()
    wait_for(lambda: late.closed)
    assert background.producer is None


def test_broker_reachable_is_false_for_a_closed_port() -> None:
    assert not broker_reachable("127.0.0.1:1", timeout_s=0.5)
    assert not broker_reachable("nonsense")
