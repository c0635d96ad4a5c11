"""The producer, connected in the background, and a probe of whether the broker answers.

kafka-python's producer refuses to be built while no broker answers; the HTTP service should
start anyway (ready=false, 503 to writers) and connect as soon as the broker is back.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

from shared.kafka.records import Producer

log = logging.getLogger(__name__)


class BackgroundProducer:
    """Builds the producer on a thread, retrying until it succeeds or `close` is called; builds
    a new one when told the current one failed."""

    def __init__(self, make: Callable[[], Producer], retry_s: float = 2.0) -> None:
        self._make = make
        self._retry_s = retry_s
        self._producer: Producer | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._connect, name="producer-connect", daemon=True).start()

    def replace(self, failed: Producer) -> None:
        """Drop a producer whose send failed and connect anew.

        kafka-python's idempotent producer stays broken after some errors (a record the broker
        refuses as too large fails every later send), and after a broker outage a fresh one
        costs one reconnect. Requests still waiting on the failed one get DeliveryFailed (503)
        and send again. Only the first caller to report a given producer replaces it.
        """
        with self._lock:
            if self._producer is not failed or self._stop.is_set():
                return
            self._producer = None
        log.warning("replacing the producer after a failed send")
        self.start()
        try:
            failed.close(0)
        except Exception as error:
            # kafka-python's close flushes first and, with records still in flight (as after a
            # broker outage), raises KafkaTimeoutError instead of closing: that must neither
            # turn this request's 503 into a 500 nor stop the reconnection started above.
            log.warning("could not close the failed producer: %r", error)

    @property
    def producer(self) -> Producer | None:
        return self._producer

    def _connect(self) -> None:
        while not self._stop.is_set():
            try:
                producer = self._make()
            except Exception as error:
                log.warning("cannot reach the broker yet (%s); retrying", error)
                self._stop.wait(self._retry_s)
                continue
            with self._lock:
                if self._stop.is_set():
                    # Closed while connecting: nobody will use this one.
                    producer.close(1.0)
                    return
                self._producer = producer
            log.info("producer connected")
            return

    def close(self, timeout_s: float) -> None:
        """Flush and close the producer. A connection attempt still under way is not waited
        for (it can block for the client's whole bootstrap timeout); it closes what it makes."""
        with self._lock:
            self._stop.set()
        if self._producer is not None:
            self._producer.flush(timeout_s)
            self._producer.close(timeout_s)


def broker_reachable(bootstrap_servers: str, timeout_s: float = 1.0) -> bool:
    """True when a bootstrap server accepts a TCP connection.

    A direct probe, because the client library's own `bootstrap_connected()` does not track
    the connection (kafka-python 3.0 reports False while connected), and idle connections are
    closed by design, so the producer's connection count says nothing either.
    """
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit():
            continue
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return True
        except OSError:
            continue
    return False
