"""A scripted API on a real localhost socket: the exact bytes a test wants on the wire; and
the ``xi-orders`` command run as a real process against a served API.

``ScriptedAPI`` answers the token endpoint with a token, and every other request with the
next scripted ``(status, body bytes)`` (the last one repeats). The sandbox serves
well-formed JSON of its own making; these tests need bodies it would never send (a long
JSON number, control characters in a message).
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xi_orders import AsyncOrdersClient, RetryPolicy

TOKEN = "wire-test-access-token-0123456789"
SECRET = "wire-test-client-secret-0123456789"


class ScriptedAPI:
    """The answers, and the requests seen (method, path)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, bytes]] = []
        self.seen: list[tuple[str, str]] = []
        self.url = ""

    def answer(self, status: int, body: bytes | str | Any) -> None:
        """Queue an answer: bytes as they are, str encoded, anything else as JSON."""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.answers.append((status, body))

    def next(self) -> tuple[int, bytes]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def client(self, **overrides: Any) -> AsyncOrdersClient:
        kwargs: dict[str, Any] = {
            "client_id": "wire-client",
            "client_secret": SECRET,
            "customer_number": "20-222222",
            "country_code": "US",
            "base_url": self.url,
            "rate_limit": None,
            "retry": RetryPolicy.disabled(),
        }
        kwargs.update(overrides)
        return AsyncOrdersClient(**kwargs)


@contextmanager
def scripted_api() -> Iterator[ScriptedAPI]:
    """Serve a :class:`ScriptedAPI` on 127.0.0.1 (a free port) in a thread."""
    api = ScriptedAPI()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            api.seen.append((self.command, self.path))
            if self.path.startswith("/oauth/"):
                status = 200
                body = json.dumps(
                    {"access_token": TOKEN, "token_type": "Bearer", "expires_in": "86399"}
                ).encode()
            else:
                status, body = api.next()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            cid = self.headers.get("IM-CorrelationID")
            if cid:
                self.send_header("IM-CorrelationID", cid)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


_SCRIPT = Path(sys.executable).with_name("xi-orders")
#: The installed console script (the module where it is missing).
XI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "xi_orders.cli"]


def run_cli(
    *args: str,
    url: str,
    client_id: str = "wire-client",
    client_secret: str = SECRET,
    customer_number: str = "20-222222",
    country_code: str = "US",
) -> subprocess.CompletedProcess[str]:
    """``xi-orders ARGS`` against the API served at ``url`` (no rate limit, no colour)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XI_")}
    env.pop("FORCE_COLOR", None)
    env.update(
        XI_BASE_URL=url,
        XI_CLIENT_ID=client_id,
        XI_CLIENT_SECRET=client_secret,
        XI_CUSTOMER_NUMBER=customer_number,
        XI_COUNTRY_CODE=country_code,
        XI_RATE_LIMIT="off",
        COLUMNS="200",
    )
    return subprocess.run(
        [*XI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def sandbox_cli(box: Any, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``xi-orders ARGS`` against ``box`` (a ``Sandbox``) served at ``url``."""
    return run_cli(
        *args,
        url=url,
        client_id=box.client_id,
        client_secret=box.client_secret,
        customer_number=box.customer_number,
        country_code=box.country_code,
    )
