"""Health check probes run from the deployer (TCP and HTTP), against real listeners on 127.0.0.1."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from elenta.model.constellation import HealthCheck
from elenta.nixos.confirm import describe, probe
from elenta.pipeline.ssh import SshTarget

TARGET = SshTarget("probe.canon", "127.0.0.1", 22, "root", "/dev/null", "/dev/null", "/dev/null")


@pytest.fixture
def http_server() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 500)
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_tcp_probe_passes_on_a_listener_and_fails_on_a_closed_port() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert probe(HealthCheck(tcp=port, timeout=2), TARGET) is None
    failure = probe(HealthCheck(tcp=port, timeout=2), TARGET)
    assert failure is not None and failure.startswith(f"tcp {port}:")


def test_http_probe_follows_the_status(http_server: int) -> None:
    good = HealthCheck(http=f"http://127.0.0.1:{http_server}/healthz", timeout=2)
    bad = HealthCheck(http=f"http://127.0.0.1:{http_server}/broken", timeout=2)
    assert probe(good, TARGET) is None
    failure = probe(bad, TARGET)
    assert failure is not None and "500" in failure and describe(bad) in failure
