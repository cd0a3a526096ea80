"""What a call's HTTP exchange looked like, kept beside its typed result."""

from __future__ import annotations

from typing import Literal

import attrs
import httpx

from ._display import Display


@attrs.frozen
class ResponseMeta(Display):
    """The HTTP side of a successful call: status, headers, correlation ID, timing.

    Every top-level result carries one as ``.response`` (excluded from equality, repr and
    the wire), so the typed result and the exchange that produced it travel together::

        order = await client.get_order("20-RD3QV")
        order.response.status_code, order.response.correlation_id
    """

    status_code: int
    correlation_id: str
    method: str
    url: str
    headers: httpx.Headers = attrs.field(repr=False)
    #: seconds from the first attempt's send to the final response, retries included
    elapsed: float = 0.0
    #: how many attempts the call took (1 when it succeeded first time)
    attempts: int = 1


@attrs.frozen
class Reconciliation:
    """How a create's unknown outcome was resolved (``result.reconciliation``).

    ``outcome`` is ``"found"`` (the order was placed by a create that failed ambiguously,
    and found: no second create), ``"resent"`` (it was surely not placed, and the create
    was sent again behind the duplicate-PO guard) or ``"already_placed"`` (the API refused
    this create as a duplicate PO number, and the order holding that PO matches the
    request: placed by an earlier send of it, e.g. one the caller's deadline cut; its
    ``cause`` is the refusal, ``create_correlation_ids`` the refused create's). ``source`` says what decided it: the
    search by PO number, or (v7 with a ``WebhookInbox``) the order-create webhook event,
    whose IDs are in ``event_ids``.
    """

    outcome: str
    #: Why the first create's outcome was unknown (the error's type and message).
    cause: str
    #: IM-CorrelationIDs of every create sent, in order.
    create_correlation_ids: tuple[str, ...]
    #: IM-CorrelationIDs of the searches and lookups made to find the order.
    lookup_correlation_ids: tuple[str, ...]
    #: The Ingram Micro order numbers found (empty when the create was resent).
    order_numbers: tuple[str, ...] = ()
    #: What decided: ``"search"`` (by PO number) or ``"webhook"`` (an order-create event).
    source: Literal["search", "webhook"] = "search"
    #: The ``eventId`` of each webhook event that decided (empty when search did).
    event_ids: tuple[str, ...] = ()
