"""Raw responses: ``client.with_raw_response.get_order(...)``, the HTTP answer of a call.

Chosen over a ``raw=True`` flag (openai-python's choice too): every operation keeps one
return type (a flag would need an overload per operation for type checkers), and the raw
face is typed for each operation (``RawResponse[OrderDetail]``).

The call is made once, through the normal send path (retries, rate limit, tracing); the
result keeps the final ``httpx.Response`` (status, headers, ``content`` bytes: the body
is already read, nothing is sent again) and the typed result, decoded once. A 2xx body
that does not decode is still returned: ``http_response`` has it, and ``parse()`` raises
the ``ResponseDecodeError``. An error status raises as usual (``APIStatusError.response``
has that raw answer). For ``search_orders`` and ``get_orders`` (many requests each) the
raw face is not offered: each page's and order's ``.response`` has the exchange's
metadata.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

import httpx

from .errors import DecodeError

if TYPE_CHECKING:
    from .client import AsyncOrdersClient
    from .sync import OrdersClient

P = ParamSpec("P")
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


async def _call(
    method: Callable[..., Awaitable[R]],
    capture: Callable[[list[httpx.Response]], Any],
    *args: Any,
    **kwargs: Any,
) -> RawResponse[R]:
    sink: list[httpx.Response] = []
    client = capture(sink)
    try:
        result = await method(client, *args, **kwargs)
    except DecodeError as exc:
        if not sink:
            raise
        return RawResponse(sink[-1], None, exc)
    return RawResponse(sink[-1], result, None)


_SINGLE = frozenset(
    {
        "get_order",
        "create_order",
        "create_order_v7",
        "modify_order",
        "release_order",
        "cancel_order",
        "get_vendor_required_info",
    }
)


if TYPE_CHECKING:
    # What the type checker sees of each raw operation; at run time ``__getattr__`` makes
    # them, so these signatures exist only for the checker.

    def _raw(
        method: Callable[Concatenate[AsyncOrdersClient, P], Awaitable[R]],
    ) -> Callable[Concatenate[AsyncRawResponses, P], Awaitable[RawResponse[R]]]: ...

    def _raw_blocking(
        method: Callable[Concatenate[AsyncOrdersClient, P], Awaitable[R]],
    ) -> Callable[Concatenate[RawResponses, P], RawResponse[R]]: ...


def _method(name: str) -> str:
    if name not in _SINGLE:
        raise AttributeError(
            f"with_raw_response has no {name!r}: it offers the single-request operations "
            f"({', '.join(sorted(_SINGLE))})"
        )
    return name


class AsyncRawResponses:
    """``client.with_raw_response``: the single-request operations, each returning a
    ``RawResponse`` instead of the typed result (see ``RawResponse``)."""

    def __init__(self, client: AsyncOrdersClient) -> None:
        self._client = client

    if TYPE_CHECKING:
        get_order = _raw(AsyncOrdersClient.get_order)
        create_order = _raw(AsyncOrdersClient.create_order)
        create_order_v7 = _raw(AsyncOrdersClient.create_order_v7)
        modify_order = _raw(AsyncOrdersClient.modify_order)
        release_order = _raw(AsyncOrdersClient.release_order)
        cancel_order = _raw(AsyncOrdersClient.cancel_order)
        get_vendor_required_info = _raw(AsyncOrdersClient.get_vendor_required_info)
    else:

        def __getattr__(self, name: str) -> Callable[..., Awaitable[RawResponse[Any]]]:
            method = getattr(type(self._client), _method(name))
            capture = self._client._capturing

            @functools.wraps(method)
            async def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
                return await _call(method, capture, *args, **kwargs)

            return call


class RawResponses:
    """``OrdersClient.with_raw_response``: the same, blocking."""

    def __init__(self, client: OrdersClient) -> None:
        self._client = client

    if TYPE_CHECKING:
        get_order = _raw_blocking(AsyncOrdersClient.get_order)
        create_order = _raw_blocking(AsyncOrdersClient.create_order)
        create_order_v7 = _raw_blocking(AsyncOrdersClient.create_order_v7)
        modify_order = _raw_blocking(AsyncOrdersClient.modify_order)
        release_order = _raw_blocking(AsyncOrdersClient.release_order)
        cancel_order = _raw_blocking(AsyncOrdersClient.cancel_order)
        get_vendor_required_info = _raw_blocking(AsyncOrdersClient.get_vendor_required_info)
    else:

        def __getattr__(self, name: str) -> Callable[..., RawResponse[Any]]:
            client = self._client.async_client
            method = getattr(type(client), _method(name))
            background = self._client._background

            @functools.wraps(method)
            def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
                return background.run(_call, method, client._capturing, *args, **kwargs)

            return call
