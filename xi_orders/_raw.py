"""Raw responses: ``client.with_raw_response.get_order(...)``, the HTTP answer of a call.

Chosen over a ``raw=True`` flag (openai-python's choice too): every operation keeps one
return type (a flag would need an overload per operation for type checkers), and the raw
face is typed for each operation (``RawResponse[OrderDetail]``).

The call is made once, through the pipeline every call takes (retries, rate limit,
tracing); the result keeps the final ``httpx.Response`` of the operation's own endpoint
(status, headers, ``content`` bytes: the body is already read, nothing is sent again;
for a reconciled create, the create's answer, not its lookups') and the typed result, decoded once. A 2xx body
that does not decode is still returned: ``http_response`` has it, and ``parse()`` raises
the ``ResponseDecodeError``. An error status raises as usual (``APIStatusError.response``
has that raw answer). For ``search_orders`` and ``get_orders`` (many requests each) the
raw face is not offered: each page's and order's ``.response`` has the exchange's
metadata.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Generic, TypeVar

import httpx

from ._endpoints import Endpoint
from ._request import Capture
from .errors import DecodeError

R = TypeVar("R")


class RawResponse(Generic[R]):
    """A call's final HTTP response and its typed result.

    Example::

        raw = await client.with_raw_response.get_order("20-RD3QV")
        raw.status_code, raw.headers["X-RateLimit-Remaining"], len(raw.content)
        order = raw.parse()            # the OrderDetail, decoded once
    """

    def __init__(
        self, http_response: httpx.Response, result: R | None, error: DecodeError | None
    ) -> None:
        #: The ``httpx.Response`` of the call's last attempt (its body already read).
        self.http_response = http_response
        self._result = result
        self._error = error

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        """The body bytes, as received (decompressed)."""
        return self.http_response.content

    def parse(self) -> R:
        """The typed result (what the plain call returns); raises the decode error if the
        body could not be decoded."""
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def __repr__(self) -> str:
        request = self.http_response.request
        return f"<RawResponse [{self.status_code}] {request.method} {request.url.path}>"


async def call_raw(result: Awaitable[R], capture: Capture, endpoint: Endpoint) -> RawResponse[R]:
    """``await result`` (a call whose exchanges ``capture`` records) as a ``RawResponse``
    of its last ``endpoint`` exchange."""
    try:
        value = await result
    except DecodeError as exc:
        response = capture.last(endpoint)
        if response is None:
            raise
        return RawResponse(response, None, exc)
    # None only for a create reconciled after no answer ever came (a connection dropped
    # after sending): then the answer that decided it is the lookup's.
    response = capture.last(endpoint) or capture.exchanges[-1][1]
    return RawResponse(response, value, None)
