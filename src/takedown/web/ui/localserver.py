"""Run an app with uvicorn in a background thread on 127.0.0.1 and a free port (for screenshots
and browser tests)."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI


class LocalServer:
    def __init__(self, app: FastAPI, host: str = "127.0.0.1") -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=0, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, name="ui-server", daemon=True)
        self.host = host
        self.port = 0

    def start(self, timeout: float = 15.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the UI server did not start")
            time.sleep(0.02)
        sock = self._server.servers[0].sockets[0]
        self.port = int(sock.getsockname()[1])
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
