"""The sandbox as a real HTTP server on localhost (stdlib ``ThreadingHTTPServer``).

Turns an :class:`~._http.Exchange` into bytes on a socket: an answer, a hang-up, or a
connection reset (RST) after the headers and part of the body. Every method reaches the
core (TRACE, CONNECT or an invented one get the API's JSON 405, never ``http.server``'s
HTML 501), and the errors ``http.server`` raises itself (a malformed request line, headers
too long) are JSON in the API's error shape too. A HEAD answer has headers, no body.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ._http import JSON_CT, CoreRequest, CoreResponse, dumps

if TYPE_CHECKING:
    from ._core import Served


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 overflows when a client opens dozens of connections at once.
    request_queue_size = 128
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Served, verbose: bool) -> None:
        self.sandbox = sandbox
        self.verbose = verbose
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        #: set on shutdown: a handler holding an answer back stops waiting
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a cancelled call, a timeout) is normal here.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            conns = list(self.connections)
            self.connections.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for
    # the client's delayed ACK (~40 ms a response).
    disable_nagle_algorithm = True
    server_version = "xi-orders-sandbox"
    sys_version = ""
    server: _Server

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline().strip().split(b";")[0]
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        sandbox = self.server.sandbox
        exchange = sandbox._core.handle(CoreRequest(self.command, path, query, headers, body))
        if exchange.delay > 0:
            self.server.stopping.wait(exchange.delay)
        if sandbox._auto_deliver_pending():
            sandbox.deliver_webhooks()
        resp = exchange.response
        if resp is None:  # hang up without a word
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if exchange.reset_after is not None:
            self._reset(resp, exchange.reset_after)
            return
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        if resp.status not in (204, 304):
            self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if resp.body and resp.status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(resp.body)

    def _reset(self, resp: CoreResponse, keep: int) -> None:
        """Send the status line, the headers and ``keep`` bytes of the body (or, for an
        empty body, the headers without their closing blank line), then reset (RST)."""
        self.close_connection = True
        lines = [f"HTTP/1.1 {resp.status} {self.responses.get(resp.status, ('',))[0]}"]
        lines += [f"{name}: {value}" for name, value in resp.headers]
        lines.append(f"Content-Length: {len(resp.body)}")
        head = "\r\n".join(lines).encode("latin-1") + b"\r\n"
        data = head + b"\r\n" + resp.body[:keep] if resp.body else head
        with contextlib.suppress(OSError):
            self.wfile.write(data)
            self.wfile.flush()
            # let the client read what was sent before the reset throws it away
            self.server.stopping.wait(0.05)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve
    do_TRACE = do_CONNECT = _serve

    def __getattr__(self, name: str) -> Any:
        # http.server looks up ``do_<METHOD>`` and answers its own HTML 501 when there is
        # none: every method goes to the core instead, which answers 405 in JSON.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """``http.server``'s own errors (400 bad request line, 414, 431...) as JSON."""
        self.close_connection = True
        reason = message or self.responses.get(code, ("Error",))[0]
        body = dumps({"errors": [{"id": "sbx", "type": "/errors/bad-request", "message": reason}]})
        with contextlib.suppress(OSError):
            self.send_response(code, reason)
            self.send_header(*JSON_CT)
            self.send_header("Connection", "close")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


@contextlib.contextmanager
def serve(
    sandbox: Served, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> Iterator[str]:
    """Run the sandbox on ``host:port`` (0: a free port) in a thread; yields its base URL."""
    server = _Server((host, port), sandbox, verbose)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="xi-orders-sandbox",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)
