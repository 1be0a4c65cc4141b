"""The fault tests' TCP proxy does what they rely on: forwards, cuts, hangs, restores."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from tests.faults.proxy import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@pytest.fixture
def echo() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _talk(port: int, timeout: float = 2) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"ping")
        return sock.recv(16)


def test_it_forwards_cuts_hangs_and_restores(echo: int) -> None:
    with FaultProxy("127.0.0.1", echo) as proxy:
        assert _talk(proxy.port) == b"ping"
        proxy.cut()
        with pytest.raises(OSError):
            _talk(proxy.port)
        proxy.restore()
        assert _talk(proxy.port) == b"ping"
        proxy.hang()
        with pytest.raises(TimeoutError):
            _talk(proxy.port, timeout=0.5)
        proxy.restore()
        assert _talk(proxy.port) == b"ping"


def test_it_rewrites_a_url_and_refuses_other_hosts() -> None:
    with FaultProxy("127.0.0.1", 5432) as proxy:
        assert proxy.rewrite("postgresql://postgres@127.0.0.1:5432/test") == (
            f"postgresql://postgres@127.0.0.1:{proxy.port}/test")
        assert proxy.rewrite("redis://127.0.0.1:6379/0") == f"redis://127.0.0.1:{proxy.port}/0"
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("10.0.0.1", 5432)
