"""Builds the watchlist index from `watchlist.entries.v1` and keeps following it.

At start the whole compacted topic is read to the end seen at start; only then is the worker
ready (and the handler screens nothing before that). Afterwards the same reader keeps polling in
a background thread: a value upserts its entry, a tombstone removes it, so a list load reaches
every worker within seconds without a restart.

If the thread fails, the index is frozen: `check()` raises so that the consumer loop stops
without committing and the process is restarted, rather than screening against stale lists.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import orjson
from pydantic import ValidationError

from services.enrichment.index import Change, WatchlistIndex
from services.enrichment.metrics import WATCHLIST_INVALID, WATCHLIST_RECORDS
from shared.kafka.records import Record
from shared.schemas import WatchlistEntry

log = logging.getLogger(__name__)

# Changes applied per hold of the index lock: a list load of thousands of entries then lets the
# consumer thread screen between chunks instead of waiting for the whole poll.
APPLY_CHUNK = 200


class TopicReader(Protocol):
    """What the follower needs of `shared.kafka.adapter.KafkaTopicReader`."""

    def poll(self, timeout_ms: int, max_records: int = 5000) -> list[Record]: ...

    def caught_up(self) -> bool: ...

    def close(self) -> None: ...


class WatchlistNotReady(Exception):
    """The index is still being built (transient: the consumer loop retries)."""


class FollowerFailed(Exception):
    """The follower thread died; the index no longer follows the topic."""


def decode_change(record: Record) -> Change:
    """A topic record as a change of the index; ValueError if it cannot be one."""
    if record.value is None:
        if not record.key:
            raise ValueError("tombstone without a key")
        list_id, sep, entry_id = record.key.decode("utf-8", "replace").partition(":")
        if not sep or not list_id or not entry_id:
            raise ValueError(f"tombstone key {record.key!r} is not list:entry_id")
        return Change(list_id, entry_id, None)
    try:
        entry = WatchlistEntry.model_validate(orjson.loads(record.value))
    except orjson.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error}") from error
    except ValidationError as error:
        raise ValueError(f"not a WatchlistEntry: {error}") from error
    return Change(entry.list_id, entry.entry_id, entry)


class WatchlistFollower:
    def __init__(
        self,
        open_reader: Callable[[], TopicReader],
        index: WatchlistIndex,
        *,
        poll_timeout_ms: int = 500,
        max_records: int = 5000,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self._open_reader = open_reader
        self._on_ready = on_ready
        self._index = index
        self._poll_timeout_ms = poll_timeout_ms
        self._max_records = max_records
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="watchlist-follower", daemon=True)
        self.records_read = 0

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def check(self) -> None:
        """Raise FollowerFailed if the thread has died (or ended without being stopped)."""
        if self._error is not None:
            raise FollowerFailed(f"watchlist follower failed: {self._error!r}") from self._error
        ended = self._thread.ident is not None and not self._thread.is_alive()
        if ended and not self._stopping.is_set():
            raise FollowerFailed("watchlist follower ended")

    def wait_ready(self, timeout_s: float) -> None:
        """Return once the index is built; raise WatchlistNotReady after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while not self._ready.wait(min(0.1, max(0.0, deadline - time.monotonic()))):
            self.check()
            if time.monotonic() >= deadline:
                raise WatchlistNotReady(
                    f"watchlist index not built yet ({self.records_read} records read)"
                )
        self.check()

    def readiness(self) -> tuple[bool, str]:
        """For /readyz: ready only once the topic was read to its end, and still following."""
        try:
            self.check()
        except FollowerFailed as error:
            return False, str(error)
        if not self.ready:
            return False, f"loading watchlist: {self.records_read} records read"
        lists = ", ".join(f"{s.list_id}={s.entries}" for s in self._index.statuses())
        return True, f"watchlist: {len(self._index)} entries ({lists or 'no lists'})"

    # the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            reader = self._open_reader()
            try:
                self._follow(reader)
            finally:
                reader.close()
        except BaseException as error:
            self._error = error
            log.exception("watchlist follower failed")

    def _follow(self, reader: TopicReader) -> None:
        started = time.monotonic()
        while not self._stopping.is_set():
            records = reader.poll(self._poll_timeout_ms, self._max_records)
            if records:
                self._apply(records)
            if not self._ready.is_set() and reader.caught_up():
                if self._on_ready is not None:
                    self._on_ready()
                self._ready.set()
                log.info(
                    "watchlist index built: %d entries from %d records in %.1f s",
                    len(self._index),
                    self.records_read,
                    time.monotonic() - started,
                )

    def _apply(self, records: Sequence[Record]) -> None:
        changes: list[Change] = []
        for record in records:
            try:
                changes.append(decode_change(record))
            except ValueError as error:
                WATCHLIST_INVALID.inc()
                log.error("skipping watchlist record %s: %s", record.where, str(error)[:500])
        for start in range(0, len(changes), APPLY_CHUNK):
            self._index.apply(changes[start : start + APPLY_CHUNK])
        self.records_read += len(records)
        WATCHLIST_RECORDS.inc(len(records))
        if self._ready.is_set():
            log.info("watchlist: applied %d records, %d entries", len(records), len(self._index))
