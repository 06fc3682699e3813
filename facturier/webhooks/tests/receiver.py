"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers with the
status codes it is told to (e.g. [500, 500] then 200)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from facturier.testing.ports import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Status codes for the next requests, in order; 200 once exhausted.
    script: list[int] = field(default_factory=list)
    redirect_to: str = ""


@contextmanager
def webhook_receiver(*, script: list[int] | None = None, redirect_to: str = "") -> Iterator[Receiver]:
    port = free_port()
    receiver = Receiver(
        url=f"http://127.0.0.1:{port}/hooks/facturier", script=list(script or []), redirect_to=redirect_to
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.requests.append(Received(self.path, {k: v for k, v in self.headers.items()}, body))
            if receiver.redirect_to:
                self.send_response(307)
                self.send_header("Location", receiver.redirect_to)
                self.end_headers()
                return
            status = receiver.script.pop(0) if receiver.script else 200
            payload = b'{"ok": true}' if status < 300 else b"receiver is down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
