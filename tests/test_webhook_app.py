"""``WebhookApp``, the plain ASGI receiver: its status codes, the handler, the replay guard.

These drive the app in memory through ``httpx.ASGITransport`` (fast, every branch); the same
app under a real uvicorn, fed by the sandbox over a socket, is in test_webhook_receivers.py.
Also: ``import xi_orders`` and ``import xi_orders.webhooks`` load no web framework.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import anyio
import httpx
import pytest

from tests.test_webhook_limits import captured_delivery, flood
from xi_orders.errors import ValidationError
from xi_orders.webhooks import Event, EventKind, ReplayGuard, WebhookApp

SECRET = "flood-secret"  # the secret of captured_delivery()


class Recorder:
    """An async handler that records the events it is given, and can be made to fail."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.fail = False

    async def __call__(self, event: Event) -> None:
        await anyio.lowlevel.checkpoint()
        if self.fail:
            raise RuntimeError("the database is down")
        self.events.append(event)


async def post(
    app: Any, body: bytes, headers: Mapping[str, str], *, method: str = "POST"
) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://receiver"
    ) as http:
        return await http.request(method, "/webhooks/ingram", content=body, headers=headers)


@pytest.fixture(scope="module")
def delivery() -> tuple[bytes, dict[str, str]]:
    return captured_delivery()


@pytest.mark.anyio
async def test_accepted_then_replayed(delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    handler = Recorder()
    app = WebhookApp(SECRET, handler)  # the replay guard is on by default
    first = await post(app, body, headers)
    assert (first.status_code, first.json()) == (200, {"received": 1, "replayed": 0})
    (event,) = handler.events
    assert event.kind is EventKind.ORDER_SHIPPED and event.event_id == json.loads(body)["eventId"]
    again = await post(app, body, headers)
    assert (again.status_code, again.json()) == (200, {"received": 0, "replayed": 1})
    assert len(handler.events) == 1
    # without the guard, the same delivery is handed over again
    unguarded = WebhookApp(SECRET, handler, replay_guard=False)
    assert (await post(unguarded, body, headers)).status_code == 200
    assert len(handler.events) == 2


@pytest.mark.anyio
async def test_the_refusals(delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    handler = Recorder()
    app = WebhookApp(SECRET, handler, max_body_bytes=100_000)
    event_id = json.loads(body)["eventId"]
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("unsigned", body, {"Content-Type": "application/json"}, 401),
        ("wrong secret", body, {"X-Hub-Signature": "A" * 86 + "=="}, 401),
        ("changed id", body.replace(event_id.encode(), b"X" * len(event_id)), headers, 401),
        ("not json", b"<html>", headers, 400),
        ("no eventId", b'{"topic": "resellers/orders"}', headers, 400),
        ("over max_body_bytes", b" " * 100_001, headers, 413),
        ("junk candidates", body, flood(body, headers, junk=40)[1], 401),
        ("too many events", b"[" + b",".join([body] * 101) + b"]", headers, 413),
    ]
    for what, content, sent, status in cases:
        answer = await post(app, content, sent)
        assert answer.status_code == status, (what, answer.text)
        assert set(answer.json()) == {"error"}, what
        assert SECRET not in answer.text
    assert handler.events == []
    wrong_method = await post(app, b"", {}, method="GET")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"


async def raw_asgi(
    app: WebhookApp,
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes],
    *,
    complete: bool = True,
) -> tuple[int, dict[str, Any], bool]:
    """Drive the app with hand-made ASGI messages: (status, JSON answer, whether the app
    asked for a message after the last chunk). ``complete=False``: the last chunk says
    more is coming, and nothing comes."""
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    pending = [
        {"type": "http.request", "body": c, "more_body": not complete or i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []
    starved = False

    async def receive() -> dict[str, Any]:
        nonlocal starved
        if pending:
            return pending.pop(0)
        starved = True
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent
    return start["status"], json.loads(body["body"]), starved


@pytest.mark.anyio
async def test_content_length_rules(delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    app = WebhookApp(SECRET, Recorder(), max_body_bytes=10_000, body_timeout=0.2)
    sig = (b"x-hub-signature", headers["X-Hub-Signature"].encode())
    length = b"%d" % len(body)
    cases = [
        ("missing", [sig], 411),
        ("superscript two", [sig, (b"content-length", "\u00b2".encode("latin-1"))], 400),
        ("signed", [sig, (b"content-length", b"-5")], 400),
        ("conflicting", [sig, (b"content-length", length), (b"content-length", b"1")], 400),
        ("over the limit", [sig, (b"content-length", b"10001")], 413),
        ("huge", [sig, (b"content-length", b"9" * 40)], 400),
    ]
    for what, sent, status in cases:
        got, answer, starved = await raw_asgi(app, sent, [body])
        assert got == status, (what, answer)
        assert not starved, what  # refused before reading the body
    # the body in pieces is put together; a repeated equal Content-Length is fine
    halves = [body[:500], body[500:]]
    ok, _, _ = await raw_asgi(app, [sig, (b"content-length", length)] * 2, halves)
    assert ok == 200
    # a body that stops short of its Content-Length times out (408), not forever
    with anyio.fail_after(5):
        got, answer, starved = await raw_asgi(
            app, [sig, (b"content-length", length)], [body[:10]], complete=False
        )
    assert (got, starved) == (408, True), answer
    longer, _, _ = await raw_asgi(app, [sig, (b"content-length", b"10")], [body])
    assert longer == 400
    declared = b"%d" % (len(body) + 5)
    shorter, answer, _ = await raw_asgi(app, [sig, (b"content-length", declared)], [body])
    assert shorter == 400 and "shorter" in answer["error"]


@pytest.mark.anyio
async def test_a_failing_handler_answers_500_and_the_retry_is_accepted(
    delivery: tuple[bytes, dict[str, str]],
) -> None:
    body, headers = delivery
    handler = Recorder()
    guard = ReplayGuard()
    app = WebhookApp(SECRET, handler, replay_guard=guard)
    assert app.replay_guard is guard  # the store given, even while empty
    handler.fail = True
    failed = await post(app, body, headers)
    assert failed.status_code == 500 and "database" not in failed.text
    assert json.loads(body)["eventId"] not in guard  # forgotten: the retry must get in
    handler.fail = False
    retried = await post(app, body, headers)
    assert retried.json() == {"received": 1, "replayed": 0} and len(handler.events) == 1
    assert json.loads(body)["eventId"] in guard


@pytest.mark.anyio
async def test_a_shared_store_without_forget_is_accepted(
    delivery: tuple[bytes, dict[str, str]],
) -> None:
    class SetStore:
        def __init__(self) -> None:
            self.ids: set[str] = set()

        def remember(self, event_id: str) -> bool:
            new = event_id not in self.ids
            self.ids.add(event_id)
            return new

    body, headers = delivery
    store = SetStore()
    handler = Recorder()
    app = WebhookApp(SECRET, handler, replay_guard=store)
    assert (await post(app, body, headers)).json()["received"] == 1
    assert (await post(app, body, headers)).json()["replayed"] == 1
    handler.fail = True
    other_body, other_headers = captured_delivery(seed=8)
    assert (await post(app, other_body, other_headers)).status_code == 500  # no forget: kept


@pytest.mark.anyio
async def test_the_app_runs_alone_with_a_lifespan() -> None:
    app = WebhookApp(SECRET, Recorder())
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_setup_mistakes_are_refused_at_once() -> None:
    with pytest.raises(ValidationError, match="secret"):
        WebhookApp("", Recorder())
    with pytest.raises(ValidationError, match="max_body_bytes"):
        WebhookApp("s", Recorder(), max_body_bytes=0)
    with pytest.raises(ValidationError, match="body_timeout"):
        WebhookApp("s", Recorder(), body_timeout=0)
    assert isinstance(WebhookApp("s", Recorder()).replay_guard, ReplayGuard)
    assert WebhookApp("s", Recorder(), replay_guard=False).replay_guard is None
    shown = repr(WebhookApp(["Very-Secret-1", "Very-Secret-2"], Recorder()))
    assert shown.startswith("WebhookApp(handler=Recorder, replay_guard=ReplayGuard(")
    assert "max_events=100" in shown and "Very-Secret" not in shown


FRAMEWORKS = ("fastapi", "starlette", "uvicorn", "flask", "werkzeug", "django", "pydantic")


def test_importing_the_package_loads_no_web_framework() -> None:
    code = (
        "import json, sys\n"
        "import xi_orders\n"
        "before = sorted(m for m in sys.modules if m.split('.')[0] in FRAMEWORKS)\n"
        "import xi_orders.webhooks\n"
        "from xi_orders.webhooks import WebhookApp\n"
        "after = sorted(m for m in sys.modules if m.split('.')[0] in FRAMEWORKS)\n"
        "print(json.dumps([before, after, 'fastapi' in sys.modules]))\n"
    ).replace("FRAMEWORKS", repr(FRAMEWORKS))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    before, after, _ = json.loads(done.stdout)
    assert (before, after) == ([], [])
    # and they are installed (the dev extra), so the check above could have failed
    probe = "import fastapi, starlette, uvicorn, flask"
    subprocess.run([sys.executable, "-c", probe], timeout=60, check=True)
