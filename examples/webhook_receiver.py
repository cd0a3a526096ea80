"""A tiny webhook receiver (stdlib ``http.server``): verify, parse and log order events.

Offline demo against the built-in sandbox (no credentials, no network beyond 127.0.0.1):

    python examples/webhook_receiver.py

starts the receiver on 127.0.0.1 (a free port), points a sandbox at it, places a v7 order
(the sandbox POSTs the signed ``IM::async_order_create`` event to the receiver), awaits that
event by customer order number, fetches the order it names, ships it (an
``im::order_shipped`` event follows), prints the events received and exits 0.

As a real receiver (put it behind an HTTPS reverse proxy; Ingram Micro posts to HTTPS):

    XI_WEBHOOK_SECRET=... python examples/webhook_receiver.py --serve --port 8080

Answers: 200 for accepted events (and for replays: acknowledged, not processed again),
401 for a missing or wrong signature, 400 for a malformed body or ``Content-Length``,
408 for a body that does not arrive within ``body_timeout`` seconds, 411/413 for a missing
or oversized ``Content-Length``. In FastAPI, Starlette or Flask, see webhook_fastapi.py and
webhook_flask.py instead.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio

from xi_orders.models import OrderCreateLine, OrderCreateV7Request
from xi_orders.webhooks import (
    DEFAULT_MAX_BODY_BYTES,
    Event,
    EventKind,
    ReplayedEventError,
    ReplayGuard,
    WebhookError,
    WebhookInbox,
    parse_events,
)

log = logging.getLogger("webhook_receiver")

DEMO_SECRET = "demo-webhook-secret"

#: RFC 9110's Content-Length: ASCII digits only (``str.isdigit`` also takes "\xb2" and "٣").
CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")


def describe(event: Event) -> str:
    """One log line per event."""
    return (
        f"{event.event_id} {event.type_name or '?'} ({event.kind.name}) "
        f"orders={event.order_numbers} customer_orders={event.customer_order_numbers}"
    )


class Receiver(ThreadingHTTPServer):
    """The HTTP server: holds the secret, the replay guard and the inbox events go to."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        secret: str,
        *,
        inbox: WebhookInbox | None = None,
        guard: ReplayGuard | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        body_timeout: float = 10.0,
    ) -> None:
        super().__init__(address, Handler)
        self.secret = secret
        self.inbox = inbox if inbox is not None else WebhookInbox()
        self.guard = guard if guard is not None else ReplayGuard()
        self.max_body_bytes = max_body_bytes
        #: seconds a request's headers and body may take to arrive (slow or short bodies)
        self.body_timeout = body_timeout

    @property
    def url(self) -> str:
        """The URL to point a sender at: ``http://127.0.0.1:<port>/webhooks``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/webhooks"


class Handler(BaseHTTPRequestHandler):
    """POST: verify and parse the events, put them in the inbox, answer with a status."""

    server: Receiver
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        # every read of this connection has a deadline: no thread is held forever
        self.timeout = self.server.body_timeout
        super().setup()

    def _answer(self, status: int, payload: dict[str, object], *, close: bool = False) -> None:
        body = json.dumps(payload).encode()
        self.close_connection = self.close_connection or close
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self, length: int) -> bytes | None:
        """The body, within ``body_timeout`` seconds in all; None if it did not all come."""
        deadline = time.monotonic() + self.server.body_timeout
        chunks: list[bytes] = []
        missing = length
        try:
            while missing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.connection.settimeout(remaining)
                chunk = self.rfile.read1(missing)
                if not chunk:  # the client closed the connection
                    return None
                chunks.append(chunk)
                missing -= len(chunk)
        except TimeoutError:
            return None
        finally:
            self.connection.settimeout(self.server.body_timeout)
        return b"".join(chunks)

    def do_POST(self) -> None:
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths or self.headers.get("Transfer-Encoding"):
            self._answer(411, {"error": "Content-Length required"}, close=True)
            return
        if len(set(lengths)) > 1 or not CONTENT_LENGTH.fullmatch(lengths[0].strip()):
            self._answer(400, {"error": "malformed Content-Length"}, close=True)
            return
        length = int(lengths[0])
        if length > self.server.max_body_bytes:  # refuse before reading it
            self._answer(413, {"error": "body too large"}, close=True)
            return
        body = self._read_body(length)
        if body is None:
            log.warning("incomplete webhook body from %s", self.client_address[0])
            self._answer(408, {"error": "the body did not arrive in time"}, close=True)
            return
        try:
            events = parse_events(
                body,
                self.headers,
                self.server.secret,
                max_body_bytes=self.server.max_body_bytes,
                replay_guard=self.server.guard,
            )
        except ReplayedEventError as exc:
            log.info("replayed event(s) %s acknowledged, not processed", list(exc.event_ids))
            events = exc.fresh
        except WebhookError as exc:
            log.warning("rejected webhook from %s: %s", self.client_address[0], exc)
            self._answer(exc.http_status, {"error": str(exc)})
            return
        for event in events:
            log.info("event %s", describe(event))
        self.server.inbox.put_many(events)
        self._answer(200, {"received": len(events)})

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


@contextlib.contextmanager
def serve(
    secret: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    inbox: WebhookInbox | None = None,
    guard: ReplayGuard | None = None,
) -> Iterator[Receiver]:
    """Run a receiver in a thread (port 0: a free one); ``server.url`` is its address."""
    server = Receiver((host, port), secret, inbox=inbox, guard=guard)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def demo() -> int:
    """The offline round trip: receiver <- sandbox <- v7 create; returns the exit status."""
    from xi_orders.testing import Sandbox  # the demo's only use of the sandbox

    with serve(DEMO_SECRET) as server:
        print(f"receiver listening on {server.url}")
        sandbox = Sandbox(seed=7, orders=10, webhook_secret=DEMO_SECRET, webhook_target=server.url)
        part = next(iter(sandbox.catalog))
        request = OrderCreateV7Request(
            customer_order_number="DEMO-PO-7",
            lines=[
                OrderCreateLine(customer_line_number="001", ingram_part_number=part, quantity=1)
            ],
        )
        async with sandbox.client() as client:
            confirmation = await client.create_order_v7(request)
            print(f"v7 create confirmed: {confirmation.confirmation_number}")
            created = await server.inbox.wait_for(
                customer_order_number="DEMO-PO-7", kind=EventKind.ASYNC_ORDER_CREATE, timeout=10
            )
            number = created.order_numbers[0]
            order = await client.get_order(number)
            print(f"order {number}: {order.order_status}, PO {order.customer_order_number}")
            await anyio.to_thread.run_sync(sandbox.ship, number)
            await server.inbox.wait_for(
                order_number=number, kind=EventKind.ORDER_SHIPPED, timeout=10
            )
        print(f"events received ({len(server.inbox)}):")
        for event in server.inbox.events:
            print(f"  {describe(event)}")
        if sandbox.webhook_failures:
            print(f"undelivered: {sandbox.webhook_failures}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", action="store_true", help="run as a receiver until Ctrl-C")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if not args.verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    if not args.serve:
        return anyio.run(demo)
    secret = os.environ.get("XI_WEBHOOK_SECRET")
    if not secret:
        parser.error("set XI_WEBHOOK_SECRET to the webhook secret of your API app")
    with serve(secret, host=args.host, port=args.port) as server:
        print(f"receiving on {server.url} (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
