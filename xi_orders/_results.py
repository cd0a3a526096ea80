"""Typed results from replies: the one place a reply's body becomes a model.

Reads go through ``_decode`` (a body that cannot be typed is a ``ResponseDecodeError``);
creates and modifies through ``_accepted`` (any 2xx is an accepted request and never
raises a decode error, and an ``errors`` entry in any shape makes it partial, never a
clean success). Must not import the client.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol, TypeVar, cast

from ._convert import structure
from ._pipeline import Reply
from ._response import ResponseMeta
from .errors import DecodeError, ResponseDecodeError
from .models import AsyncOrderCreateEvent, OrderCreateV7Confirmation, OrderDetail, ResultError

logger = logging.getLogger("xi_orders.client")


class _Result(Protocol):
    response: ResponseMeta | None


ResultT = TypeVar("ResultT", bound=_Result)


def decode(reply: Reply, cls: type[ResultT]) -> ResultT:
    """The typed result of ``reply``, with its ``ResponseMeta`` attached."""
    meta = reply.meta
    try:
        if reply.data is None:
            raise DecodeError("the response body is empty")
        result = structure(reply.data, cls)
    except DecodeError as exc:
        raise ResponseDecodeError(
            f"could not decode the response as {cls.__name__}: {exc}",
            status_code=meta.status_code,
            correlation_id=meta.correlation_id,
            method=meta.method,
            url=meta.url,
        ) from exc
    result.response = meta
    if isinstance(result, OrderDetail) and result.lines_missing:
        logger.debug(
            "order %s came back without lines (HTTP %s, correlation ID %s): "
            "OrderDetail.lines_missing is set",
            result.ingram_order_number,
            meta.status_code,
            meta.correlation_id,
        )
    return result


class _Accepted(Protocol):
    response: ResponseMeta | None
    raw_body: Any
    decode_problem: str | None
    errors: list[ResultError]
    extras: dict[str, Any]

    def __init__(self) -> None: ...


AcceptedT = TypeVar("AcceptedT", bound=_Accepted)


async def accepted(
    call: Awaitable[Reply], cls: type[AcceptedT], *, empty_ok: bool = False
) -> AcceptedT:
    """The result of a create or modify: any 2xx is an accepted request, so it never raises
    a decode error (a caller who saw one would send the order again).

    Whatever could be typed is; ``decode_problem`` says what could not, ``raw_body`` keeps
    the body (the text, when it was not JSON). Errors statuses raise as for any call.
    """
    try:
        reply = await call
    except ResponseDecodeError as exc:
        response = exc.response
        if response is None or not response.is_success:
            raise
        result = cls()
        result.response = ResponseMeta(
            status_code=response.status_code,
            correlation_id=exc.correlation_id or "",
            method=exc.method or "",
            url=exc.url or "",
            headers=response.headers,
        )
        result.raw_body = response.text
        result.decode_problem = "the response body is not JSON"
        _log_decode_problem(result)
        return result
    return _decode_accepted(reply, cls, empty_ok=empty_ok)


def _decode_accepted(reply: Reply, cls: type[AcceptedT], *, empty_ok: bool = False) -> AcceptedT:
    data = reply.data
    problem: str | None = None
    result: AcceptedT | None = None
    try:
        if data is None:
            if not empty_ok:
                problem = "the response body is empty"
        elif isinstance(data, list):
            result, problem = _from_list(data, cls)
        else:
            result = structure(data, cls)
    except DecodeError as exc:
        problem = str(exc)
    if result is None:
        result = cls()
    else:
        _type_stray_errors(result)
    result.response = reply.meta
    result.raw_body = data
    result.decode_problem = problem
    if problem is not None:
        _log_decode_problem(result)
    return result


def _from_list(data: list[Any], cls: type[AcceptedT]) -> tuple[AcceptedT | None, str | None]:
    """A JSON list answering a create or modify: the v7 201's webhook-shaped events, or a
    one-object list of the expected object."""
    if cls is OrderCreateV7Confirmation:
        events: list[AsyncOrderCreateEvent] = []
        skipped: list[str] = []
        for i, item in enumerate(data):
            try:
                if not isinstance(item, Mapping):
                    raise DecodeError(f"expected a JSON object, got {type(item).__name__}")
                event = structure(item, AsyncOrderCreateEvent)
                if event.resource is not None:
                    _type_stray_errors(event.resource)
                events.append(event)
            except DecodeError as exc:
                skipped.append(f"[{i}]: {exc}")
        confirmation = OrderCreateV7Confirmation(events=events)
        return cast(AcceptedT, confirmation), "; ".join(skipped) or None
    if len(data) == 1 and isinstance(data[0], Mapping):
        return structure(data[0], cls), None
    return None, f"expected a JSON object for {cls.__name__}, got a list of {len(data)}"


class _WithErrors(Protocol):
    errors: list[ResultError]
    extras: dict[str, Any]


def _type_stray_errors(result: _WithErrors) -> None:
    """Move ``errors`` the converter could not type onto ``result.errors``.

    The spec's shape (a list of ``{"id", "type", "message", "fields"}``) is typed by the
    converter. Answers have also carried a list of strings (``{"errors": ["SKU
    blocked"]}``), one string (``{"errors": "x"}``) and other casings (``"Errors"``); the
    converter keeps those raw in ``extras``, which read as a clean success with no orders,
    the outcome a caller cannot tell from "nothing happened". Each becomes a
    ``ResultError`` (a string as its ``message``) so ``is_partial`` is true. The key leaves
    ``extras`` once typed (``raw_body`` still holds it as sent); ``null``, ``[]``, ``""``
    and non-text scalars (``false``, ``0``) report nothing, so they stay where they were.
    """
    for key in [k for k in result.extras if isinstance(k, str) and k.lower() == "errors"]:
        entries = _result_errors(result.extras[key])
        if entries:
            result.errors.extend(entries)
            del result.extras[key]


def _result_errors(value: Any) -> list[ResultError]:
    """The ``ResultError`` entries an untyped ``errors`` value holds (see above)."""
    if isinstance(value, (str, Mapping)):
        value = [value]
    elif not isinstance(value, list):
        # ``"errors": 0`` or ``false`` alone reads as "none": nothing to surface.
        return []
    entries: list[ResultError] = []
    for item in value:
        if isinstance(item, Mapping):
            entries.append(structure(item, ResultError))
        elif isinstance(item, list):
            entries.extend(_result_errors(item))  # a nested list: its entries, flattened
        elif isinstance(item, str):
            if item.strip():
                entries.append(ResultError(message=item.strip()))
        elif item is not None:
            # Inside a list a number is still an entry the server sent (a code, say).
            entries.append(ResultError(message=str(item)))
    return entries


def _log_decode_problem(result: _Accepted) -> None:
    meta = result.response
    logger.warning(
        "accepted answer (HTTP %s, correlation ID %s) only partly decoded as %s: %s",
        meta.status_code if meta else "?",
        meta.correlation_id if meta else "?",
        type(result).__name__,
        result.decode_problem,
    )
