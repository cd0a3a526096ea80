"""The ASGI receiver: :class:`WebhookApp`, a plain ASGI application around :func:`parse_events`.

Owns the HTTP side of receiving (method, ``Content-Length``, reading the body within a
deadline, status codes, the replay guard's default, calling the handler). Plain ASGI 3: no
framework is imported, so it runs under any ASGI server and mounts in Starlette and FastAPI.
Must not import the inbox.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any, TypeAlias

import anyio

from ..errors import ValidationError
from ._errors import ReplayedEventError, WebhookError
from ._events import Event
from ._receive import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_EVENTS,
    DEFAULT_MAX_SIGNATURES,
    parse_events,
)
from ._replay import ReplayGuard, ReplayStore
from ._signature import Secret, _keys

logger = logging.getLogger("xi_orders.webhooks")

#: What the handler of :class:`WebhookApp` is: an async function of one verified event.
EventHandler: TypeAlias = Callable[[Event], Awaitable[object]]

_Scope: TypeAlias = MutableMapping[str, Any]
_Message: TypeAlias = MutableMapping[str, Any]
_Receive: TypeAlias = Callable[[], Awaitable[_Message]]
_Send: TypeAlias = Callable[[_Message], Awaitable[None]]


class _Refused(Exception):
    """An answer decided before the body reached :func:`parse_events`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class WebhookApp:
    """An ASGI app that receives Ingram Micro webhooks: verifies each request, hands every
    new event to ``handler`` (an async function of one :class:`Event`) and answers with the
    status Ingram Micro should see.

    Answers (JSON bodies, never echoing the request):

    - 200 ``{"received": n, "replayed": k}``: accepted; replayed events (an eventId seen
      before) are acknowledged, not handed over again;
    - 400: a body that is not events (not JSON, no eventId, a malformed ``Content-Length``);
    - 401: a missing or wrong ``X-Hub-Signature`` (or one of more than ``max_signatures``);
    - 405: not a POST; 408: the body did not arrive within ``body_timeout`` seconds;
    - 411: no ``Content-Length``; 413: a body over ``max_body_bytes`` (refused before it
      is read) or of more than ``max_events`` events;
    - 500: ``handler`` raised: the body's new eventIds are forgotten again (when the store
      has ``forget``), so Ingram Micro's retry is accepted.

    ``replay_guard``: True (default) keeps a :class:`ReplayGuard` in this process; pass a
    shared :class:`ReplayStore` when several processes receive, or False for none.
    ``secret`` may be a list during a rotation. Path and host are the mount's business.

    Example (FastAPI or Starlette; ``uvicorn module:app`` alone works too)::

        async def on_event(event: Event) -> None:
            await queue.put(event)                 # keep it short: answer Ingram quickly

        receiver = WebhookApp(os.environ["XI_WEBHOOK_SECRET"], on_event)
        app = FastAPI()
        app.add_route("/webhooks/ingram", receiver, methods=["POST"])
    """

    def __init__(
        self,
        secret: Secret | Sequence[Secret],
        handler: EventHandler,
        *,
        replay_guard: ReplayStore | bool = True,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_signatures: int | None = DEFAULT_MAX_SIGNATURES,
        body_timeout: float | None = 10.0,
    ) -> None:
        _keys(secret)  # an empty secret is a setup mistake: refuse it now, not per request
        if max_body_bytes < 1:
            raise ValidationError("max_body_bytes", "must be at least 1")
        if body_timeout is not None and body_timeout <= 0:
            raise ValidationError("body_timeout", "must be positive (or None for no deadline)")
        self._secret = secret  # private: kept out of introspection and reprs
        self.handler = handler
        self.replay_guard: ReplayStore | None = (
            ReplayGuard()
            if replay_guard is True
            else None
            if replay_guard is False
            else replay_guard  # never by truth: an empty ReplayGuard has len() 0
        )
        self.max_body_bytes = max_body_bytes
        self.max_events = max_events
        self.max_signatures = max_signatures
        self.body_timeout = body_timeout

    def __repr__(self) -> str:
        handler = getattr(self.handler, "__qualname__", type(self.handler).__name__)
        return (
            f"WebhookApp(handler={handler}, replay_guard={self.replay_guard!r}, "
            f"max_body_bytes={self.max_body_bytes}, max_events={self.max_events}, "
            f"max_signatures={self.max_signatures}, body_timeout={self.body_timeout})"
        )

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"WebhookApp serves HTTP, not {scope['type']!r}")
        try:
            body = await self._body(scope, receive)
        except _Refused as refused:
            await _answer(send, refused.status, {"error": str(refused)})
            return
        if body is None:  # the client went away
            return
        replayed = 0
        try:
            events = parse_events(
                body,
                scope["headers"],
                self._secret,
                max_body_bytes=self.max_body_bytes,
                max_events=self.max_events,
                max_signatures=self.max_signatures,
                replay_guard=self.replay_guard,
            )
        except ReplayedEventError as exc:
            logger.info("webhook replay acknowledged, not handled: %s", exc)
            events, replayed = exc.fresh, len(exc.event_ids)
        except WebhookError as exc:
            logger.warning("webhook refused (%d): %s", exc.http_status, exc)
            await _answer(send, exc.http_status, {"error": str(exc)})
            return
        try:
            for event in events:
                await self.handler(event)
        except Exception:
            logger.exception("webhook handler failed; answering 500 so the sender retries")
            forget = getattr(self.replay_guard, "forget", None)
            if callable(forget):
                for event_id in dict.fromkeys(e.event_id for e in events):
                    forget(event_id)
            await _answer(send, 500, {"error": "the receiver failed to handle the event"})
            return
        await _answer(send, 200, {"received": len(events), "replayed": replayed})

    async def _body(self, scope: _Scope, receive: _Receive) -> bytes | None:
        """The request body, after the method and ``Content-Length`` checks; None when the
        client disconnected. Raises :class:`_Refused`."""
        if scope.get("method") != "POST":
            raise _Refused(405, "only POST is accepted")
        declared = _content_length(scope["headers"])
        if declared > self.max_body_bytes:  # refuse before reading it
            raise _Refused(413, f"body of {declared} bytes is over the limit")
        chunks: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk: bytes = message.get("body", b"")
                    size += len(chunk)
                    if size > declared:
                        raise _Refused(400, "body longer than its Content-Length")
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            raise _Refused(408, "the body did not arrive in time") from None
        if size < declared:
            raise _Refused(400, "body shorter than its Content-Length")
        return b"".join(chunks)


def _content_length(headers: Sequence[tuple[bytes, bytes]]) -> int:
    values = {value.strip() for name, value in headers if name.lower() == b"content-length"}
    if not values:
        raise _Refused(411, "Content-Length required")
    if len(values) > 1:
        raise _Refused(400, "conflicting Content-Length headers")
    (value,) = values
    if not (value.isdigit() and len(value) <= 18):  # bytes: ASCII digits only
        raise _Refused(400, "malformed Content-Length")
    return int(value)


async def _lifespan(receive: _Receive, send: _Send) -> None:
    """Run as a whole app (``uvicorn module:app``): nothing to start or stop."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _answer(send: _Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if status == 405:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
