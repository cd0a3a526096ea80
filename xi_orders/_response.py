"""What a call's HTTP exchange looked like, kept beside its typed result."""

from __future__ import annotations

import attrs
import httpx


@attrs.frozen
class ResponseMeta:
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
