"""Run an ASGI app with uvicorn in a background thread, beside a consumer loop."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI


class HttpServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        # uvicorn installs no signal handlers outside the main thread: the main thread keeps
        # SIGTERM/SIGINT for the consumer loop's graceful stop.
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)

    def start(self, wait_s: float = 60.0) -> None:
        # Generous: a bind failure ends the thread at once (reported at once), but a start can
        # be slow while another thread holds the GIL, e.g. rigour building its person-name
        # tagger on enrichment's first list entry (about 15 s on a loaded 2-core machine).
        self._thread.start()
        deadline = time.monotonic() + wait_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("HTTP server did not start (is the port taken?)")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
