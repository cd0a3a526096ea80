"""The API's resources, one module each: its handlers and its validation, nothing else.

Each public module declares the endpoints it answers, by their names in
``xi_orders._endpoints``, in a ``HANDLERS`` dict (``{"get_order": handle}``); ``_router``
reads every public module here (a new one is found by being here) and routes each
endpoint's method and path to its handler. A new operation's sandbox side is its handler.

A handler is ``(core, ctx) -> CoreResponse``; the checks every Orders call shares (token,
rate limit, IM-* headers) have run before it (see ``_middleware``). Resources never import
``_middleware``, ``_router`` or the SDK's models; state changes go through ``_lifecycle``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._http import CoreResponse

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core

#: One endpoint's answer to one request, in ``HANDLERS`` by the endpoint's name.
Handler = Callable[["Core", "RequestContext"], CoreResponse]
