"""A background thread that repeats one step: at once while there is more work, after an idle
wait (cut short by `nudge`) when there is none, with growing backoff while the step fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        *,
        idle_s: float = 0.5,
        backoff_s: float = 0.5,
        backoff_max_s: float = 15.0,
    ) -> None:
        """`step` returns True when more work is waiting (run again at once)."""
        self.name = name
        self._step = step
        self._idle_s = idle_s
        self._backoff_s = backoff_s
        self._backoff_max_s = backoff_max_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        delay_s = self._backoff_s
        while not self._stopping.is_set():
            try:
                more = self._step()
            except Exception as error:
                self.failures += 1
                log.warning("%s failed, retrying in %.1f s: %r", self.name, delay_s, error)
                # A nudge cuts the wait short: it means a commit just succeeded elsewhere.
                self._wake.wait(delay_s)
                self._wake.clear()
                delay_s = min(delay_s * 2, self._backoff_max_s)
                continue
            delay_s = self._backoff_s
            if not more:
                self._wake.wait(self._idle_s)
                self._wake.clear()
