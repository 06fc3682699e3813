from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30.0, banner: bytes = b"") -> None:
    """Wait until host:port accepts a connection (and greets with banner, if given)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                if not banner or s.recv(512).startswith(banner):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{host}:{port} did not answer within {timeout}s ({last})")
