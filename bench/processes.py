"""One service as an operating-system process: start, readiness, SIGKILL, restart, its log.

Used by the benchmark (`python -m bench`) and the e2e fault suite (tests/e2e): both need the
services exactly as they run in production, `python -m services.<name>`, so that a kill is a real
crash of a real process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
READY_POLL_S = 0.2
LOG_TAIL_LINES = 40


class ProcessFailed(Exception):
    """A process exited, or did not become ready in time; the message ends with its log tail."""


def free_port() -> int:
    """A TCP port nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """`python -m <module>` with `env`, its HTTP ops port, stdout and stderr appended to `log_path`.

    Every start appends a header line to the log, so one file tells the story of every
    incarnation (start, SIGKILL, restart) in order.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        port: int | None,
        log_path: Path,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.log_path = log_path
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self.alive:
            raise ProcessFailed(f"{self.name} is already running (pid {self.pid})")
        self.starts += 1
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
            log.write(f"===== {self.name} start #{self.starts} at {stamp} =====\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    def kill(self) -> None:
        """SIGKILL: a crash. Nothing is flushed, committed or closed."""
        self._signal(signal.SIGKILL)
        self._wait(10.0)

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM (finish the batch, commit, close), then SIGKILL if it does not exit."""
        if not self.alive:
            return
        self._signal(signal.SIGTERM)
        if not self._wait(timeout_s):
            self.kill()

    def restart(self, ready_timeout_s: float | None = 60.0) -> None:
        self.kill()
        self.start()
        if ready_timeout_s is not None and self.port is not None:
            self.wait_ready(ready_timeout_s)

    def _signal(self, signum: int) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        # The process leads its own session: the signal reaches it (and any child it made) only.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)

    def _wait(self, timeout_s: float) -> bool:
        if self._process is None:
            return True
        try:
            self._process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    # readiness -----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        if self.port is None:
            raise ProcessFailed(f"{self.name} has no HTTP port")
        return f"http://127.0.0.1:{self.port}{path}"

    def ready(self) -> bool:
        try:
            return httpx.get(self.url("/readyz"), timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout_s: float) -> float:
        """Block until /readyz answers 200; return the seconds it took. ProcessFailed if the
        process exits or the time runs out."""
        started = time.monotonic()
        while True:
            if not self.alive:
                raise ProcessFailed(
                    f"{self.name} exited with {self.exit_code} before it was ready\n"
                    + self.log_tail()
                )
            if self.ready():
                return time.monotonic() - started
            if time.monotonic() - started > timeout_s:
                raise ProcessFailed(
                    f"{self.name} not ready after {timeout_s:.0f} s\n" + self.log_tail()
                )
            time.sleep(READY_POLL_S)

    def metrics(self) -> str:
        """The Prometheus exposition text of /metrics."""
        return httpx.get(self.url("/metrics"), timeout=5.0).text

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used (Linux /proc), 0 when it is gone."""
        if self._process is None:
            return 0.0
        return process_cpu_seconds(self._process.pid)


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # Fields 14 and 15 of stat (utime, stime), counted here from field 3 (state) as index 0.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
