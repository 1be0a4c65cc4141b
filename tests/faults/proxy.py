"""A TCP proxy the fault tests control, between the app and a database or Redis server.

The machine's PostgreSQL and Redis are shared (by every test run, and by CI): a fault test
must never stop them. Instead the app under test connects through a `FaultProxy` on a free
loopback port, and the test cuts, hangs or restores that one path:

    with FaultProxy("127.0.0.1", 5432) as proxy:
        url = proxy.rewrite("postgresql://postgres@127.0.0.1:5432/test")
        ...                # start processes on `url`
        proxy.cut()        # every open connection reset, new ones refused
        proxy.hang()       # connections accepted (or kept) but nothing goes through
        proxy.restore()    # traffic flows again

Only loopback addresses are accepted: the proxy never reaches beyond this machine.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

FLOWING, CUT, HANGING = "flowing", "cut", "hanging"
_BUFFER = 65536


class FaultProxy:
    """Forwards loopback TCP connections to `host:port` unless told to cut or hang them."""

    def __init__(self, host: str, port: int) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy forwards to loopback only")
        self.target = (host, port)
        self.state = FLOWING
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = int(self._listener.getsockname()[1])
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="fault-proxy")

    # -- control -----------------------------------------------------------------------------

    def rewrite(self, url: str) -> str:
        """`url` with its host and port replaced by this proxy's."""
        parts = urlsplit(url)
        auth = parts.netloc.rpartition("@")[0]
        netloc = f"{auth}@127.0.0.1:{self.port}" if auth else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until `restore`."""
        with self._lock:
            self.state = CUT
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                _reset(sock)

    def hang(self) -> None:
        """Keep connections open but pass nothing either way until `restore` (a hung server)."""
        with self._lock:
            self.state = HANGING

    def restore(self) -> None:
        with self._lock:
            self.state = FLOWING

    # -- life --------------------------------------------------------------------------------

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stopping.set()
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.state == CUT:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True,
                             name="fault-proxy-pump").start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        sockets = [client, upstream]
        try:
            while not self._stopping.is_set():
                if self.state == CUT:
                    return
                if self.state == HANGING:
                    self._stopping.wait(0.05)
                    continue
                ready, _, _ = select.select(sockets, [], [], 0.05)
                for sock in ready:
                    data = sock.recv(_BUFFER)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            for sock in sockets:
                _reset(sock)
            with self._lock:
                if (client, upstream) in self._pairs:
                    self._pairs.remove((client, upstream))


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a dead server or a cut cable looks."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
