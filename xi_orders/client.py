"""``AsyncOrdersClient``: the Orders API, one short method per operation."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol, TypeVar

import httpx

from . import _config
from ._auth import Credentials, TokenAuth
from ._convert import structure, unstructure
from ._ratelimit import STANDARD as STANDARD_RATE_LIMIT
from ._ratelimit import RateLimit, RateLimiter
from ._response import ResponseMeta
from ._retry import RetryPolicy
from ._search import (
    DEFAULT_PAGE_SIZE,
    DateLike,
    DateRange,
    OrderStatus,
    as_date_string,
    build_search_params,
)
from ._transport import (
    CANCEL_ORDER,
    CREATE_ORDER,
    CREATE_ORDER_V7,
    GET_ORDER,
    MODIFY_ORDER,
    SEARCH_ORDERS,
    Reply,
    Sender,
    check_correlation_id,
)
from ._version import __version__
from .bulk import BulkLookup, ProgressCallback
from .errors import DecodeError, ResponseDecodeError, ValidationError
from .models import (
    OrderCreateRequest,
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderCreateV7Request,
    OrderDetail,
    OrderModifyRequest,
    OrderModifyResponse,
    OrderSearchPage,
    OrderSummary,
)
from .pagination import AsyncPaginator


class _Result(Protocol):
    response: ResponseMeta | None


ResultT = TypeVar("ResultT", bound=_Result)
SimulateStatus = Literal["IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED"]
_SIMULATE_STATUSES = ("IM::SHIPPED", "IM::PARTIALLY_SHIPPED", "IM::HOLD", "IM::INVOICED")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class AsyncOrdersClient:
    """An async client for Ingram Micro's Xvantage Reseller Orders API.

    Tokens are fetched and refreshed for you (OAuth2 client credentials), every call gets
    its own IM-CorrelationID, reads are retried, and calls are paced per endpoint at the
    API's rate limit.

    Example::

        async with AsyncOrdersClient(
            client_id="...", client_secret="...", customer_number="20-222222", country_code="US"
        ) as client:
            order = await client.get_order("20-RD3QV")
            async for summary in client.search_orders(order_status="SHIPPED"):
                ...

    Args:
        client_id, client_secret: the API app's credentials.
        customer_number: your Ingram Micro reseller number (IM-CustomerNumber, max 10).
        country_code: the 2-letter country of your account (IM-CountryCode).
        sender_id: optional IM-SenderID (max 32).
        base_url: the API host; sandbox and production share it (the credentials decide).
        token_url: defaults to ``{base_url}/oauth/oauth30/token``.
        timeout: seconds, or an ``httpx.Timeout``.
        retry: a ``RetryPolicy`` (``RetryPolicy.disabled()`` for none).
        rate_limit: a ``RateLimit`` for every endpoint, a mapping from operation name
            (``"get_order"``, ``"search_orders"``, ...) to ``RateLimit``, or ``None`` to turn
            client-side pacing off. By default 60 calls a minute per endpoint (the API's
            standard), following the server's ``X-RateLimit-Limit`` when it differs.
        transport: an ``httpx.AsyncBaseTransport`` (tests, the sandbox, proxies).
        http_client: an existing ``httpx.AsyncClient`` to share; it is not closed by us.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        customer_number: str,
        country_code: str,
        sender_id: str | None = None,
        base_url: str = _config.DEFAULT_BASE_URL,
        token_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | Mapping[str, RateLimit] | None = STANDARD_RATE_LIMIT,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        credentials = Credentials(
            _config.required("client_id", client_id),
            _config.required("client_secret", client_secret),
        )
        self.customer_number = _config.customer_number(customer_number)
        self.country_code = _config.country_code(country_code)
        self.sender_id = _config.sender_id(sender_id)
        self.base_url = _config.base_url("base_url", base_url)
        self.token_url = _config.base_url(
            "token_url", token_url or self.base_url + _config.TOKEN_PATH
        )
        if transport is not None and http_client is not None:
            raise ValidationError("transport", "give transport or http_client, not both")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=timeout, follow_redirects=False
        )
        self._auth = TokenAuth(credentials, self.token_url, self._send_token_request)
        headers = {
            "IM-CustomerNumber": self.customer_number,
            "IM-CountryCode": self.country_code,
            "Accept": "application/json",
            "User-Agent": f"xi-orders/{__version__}",
        }
        if self.sender_id:
            headers["IM-SenderID"] = self.sender_id
        self._sender = Sender(
            self._http,
            base_url=self.base_url,
            auth=self._auth,
            headers=headers,
            retry=retry or RetryPolicy(),
            limiter=RateLimiter(rate_limit),
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> AsyncOrdersClient:
        """A client configured from ``XI_CLIENT_ID``, ``XI_CLIENT_SECRET``,
        ``XI_CUSTOMER_NUMBER``, ``XI_COUNTRY_CODE`` and, optionally, ``XI_SENDER_ID`` and
        ``XI_BASE_URL``. Keyword arguments override or add settings.

        Example::

            async with AsyncOrdersClient.from_env() as client: ...
        """
        settings: dict[str, Any] = {}
        for name in ("client_id", "client_secret", "customer_number", "country_code"):
            var = f"XI_{name.upper()}"
            if name not in overrides:
                value = os.environ.get(var)
                if not value:
                    raise ValidationError(var, "environment variable is not set")
                settings[name] = value
        for name in ("sender_id", "base_url"):
            value = os.environ.get(f"XI_{name.upper()}")
            if value:
                settings[name] = value
        settings.update(overrides)
        return cls(**settings)

    async def _send_token_request(self, request: httpx.Request) -> httpx.Response:
        return await self._http.send(request, auth=None)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(customer_number={self.customer_number!r}, "
            f"country_code={self.country_code!r}, base_url={self.base_url!r})"
        )

    @property
    def token_requests(self) -> int:
        """How many access tokens this client has requested so far."""
        return self._auth.token_requests

    # --- operations ------------------------------------------------------------------

    async def get_order(
        self,
        order_number: str,
        *,
        order_date: DateLike | None = None,
        vendor_number: str | None = None,
        simulate_status: SimulateStatus | None = None,
        is_iml: bool | None = None,
        region_code: str | None = None,
        correlation_id: str | None = None,
    ) -> OrderDetail:
        """One order's full details (``GET /resellers/v6.1/orders/{ordernumber}``).

        Args:
            order_number: the Ingram Micro order number, e.g. ``"20-RD3QV"`` (max 12).
            order_date: the order's date (``ingramOrderDate``), a ``date`` or ``"yyyy-MM-dd"``.
            vendor_number: ``vendorNumber``.
            simulate_status: sandbox only: answer as if the order were in this state.
            is_iml: ``isIml``.
            region_code: sandbox only: ``regionCode``.
            correlation_id: your own IM-CorrelationID (max 32) instead of a fresh one.

        Raises ``NotFoundError`` for an unknown order. Example::

            order = await client.get_order("20-RD3QV")
            for line in order.lines:
                print(line.ingram_part_number, line.quantity_ordered)
        """
        number = _order_number(order_number, limit=12)
        params: list[tuple[str, str]] = []
        if order_date is not None:
            params.append(("ingramOrderDate", as_date_string("order_date", order_date)))
        if vendor_number is not None:
            params.append(("vendorNumber", _text("vendor_number", vendor_number)))
        if simulate_status is not None:
            if simulate_status not in _SIMULATE_STATUSES:
                raise ValidationError(
                    "simulate_status", f"must be one of {', '.join(_SIMULATE_STATUSES)}"
                )
            params.append(("simulateStatus", simulate_status))
        if is_iml is not None:
            if not isinstance(is_iml, bool):
                raise ValidationError("is_iml", "must be True or False")
            params.append(("isIml", "true" if is_iml else "false"))
        if region_code is not None:
            params.append(("regionCode", _text("region_code", region_code)))
        reply = await self._sender.send(
            GET_ORDER,
            path_arg=number,
            params=params,
            correlation_id=correlation_id,
        )
        return _decode(reply, OrderDetail)

    def search_orders(
        self,
        *,
        ingram_order_number: str | None = None,
        order_status: OrderStatus | None = None,
        order_statuses: Sequence[OrderStatus] | None = None,
        ingram_order_date: DateLike | None = None,
        ingram_order_date_between: DateRange | None = None,
        customer_order_number: str | None = None,
        end_customer_order_number: str | None = None,
        invoice_date_between: DateRange | None = None,
        ship_date_between: DateRange | None = None,
        delivery_date_between: DateRange | None = None,
        ingram_part_number: str | None = None,
        vendor_part_number: str | None = None,
        serial_number: str | None = None,
        tracking_number: str | None = None,
        vendor_name: str | None = None,
        special_bid_number: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
        prefetch: int = 0,
        correlation_id: str | None = None,
    ) -> AsyncPaginator[OrderSummary]:
        """Search orders (``GET /resellers/v6/orders/search``), every page, streaming.

        Filters map to the API's exact names (``order_statuses`` -> ``orderStatus-in``,
        ``ingram_order_date_between`` -> ``ingramOrderDate-bt``, ``invoice_date_between`` ->
        ``invoiceDate_bt``, ...); ranges are ``(start, end)`` pairs of dates. Filters are
        checked now, before any call: a bad one raises ``ValidationError`` naming it.

        Args:
            page_size: 1 to 100; default 100, four times fewer calls than the API's 25.
            limit: stop after this many orders, fetching no more pages than needed.
            prefetch: once the first page tells the total, fetch this many pages at a
                time concurrently (still through the rate limiter); 0 fetches one by one.
            correlation_id: IM-CorrelationID of the first page; later pages get it with a
                ``-p<N>`` suffix (within the 32-character limit), so support can trace them.

        Example::

            async for order in client.search_orders(
                order_statuses=["SHIPPED", "BACKORDERED"],
                ingram_order_date_between=(date(2024, 1, 1), date(2024, 1, 31)),
            ):
                print(order.ingram_order_number, order.order_total)
        """
        filters: dict[str, object] = {
            "ingram_order_number": ingram_order_number,
            "customer_order_number": customer_order_number,
            "end_customer_order_number": end_customer_order_number,
            "ingram_part_number": ingram_part_number,
            "vendor_part_number": vendor_part_number,
            "serial_number": serial_number,
            "tracking_number": tracking_number,
            "vendor_name": vendor_name,
            "special_bid_number": special_bid_number,
            "ingram_order_date_between": ingram_order_date_between,
            "invoice_date_between": invoice_date_between,
            "ship_date_between": ship_date_between,
            "delivery_date_between": delivery_date_between,
        }
        params = build_search_params(
            filters,
            order_status=order_status,
            order_statuses=order_statuses,
            ingram_order_date=ingram_order_date,
            page_size=page_size,
        )
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise ValidationError("limit", "must be a non-negative integer")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0:
            raise ValidationError("prefetch", "must be a non-negative integer")
        if correlation_id is not None:
            check_correlation_id(correlation_id)

        async def fetch(page_number: int) -> OrderSearchPage | None:
            cid = correlation_id
            if cid is not None and page_number > 1:
                suffix = f"-p{page_number}"
                cid = cid[: 32 - len(suffix)] + suffix
            reply = await self._sender.send(
                SEARCH_ORDERS,
                params=[*params, ("pageNumber", str(page_number))],
                correlation_id=cid,
            )
            if reply.data is None:  # 204 No Content: nothing matched
                return None
            return _decode(reply, OrderSearchPage)

        return AsyncPaginator(fetch, page_size=page_size, limit=limit, prefetch=prefetch)

    async def create_order(
        self, order: OrderCreateRequest, *, correlation_id: str | None = None
    ) -> OrderCreateResponse:
        """Place an order (v6, ``POST /resellers/v6/orders``).

        A 207 Multi-Status (some lines rejected) is a success: check ``result.is_partial``
        and ``result.rejected_lines``. Never retried once it may have reached the server;
        see ``RetryPolicy``. If it fails with ``APITimeoutError`` or ``APIConnectionError``
        saying the request "may have been sent", the order may exist: look for it with
        ``search_orders(customer_order_number=...)`` before sending it again (the API
        rejects a duplicate PO number unless ``allow_duplicate_customer_order_number``).

        Example::

            result = await client.create_order(OrderCreateRequest(
                customer_order_number="PO-1001",
                lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="6YE881", quantity=2)],
                customer_hold=True,
            ))
            print(result.orders[0].ingram_order_number, result.is_partial)
        """
        body = _request_body("order", order, OrderCreateRequest)
        reply = await self._sender.send(CREATE_ORDER, body=body, correlation_id=correlation_id)
        return _decode(reply, OrderCreateResponse)

    async def create_order_v7(
        self, order: OrderCreateV7Request, *, correlation_id: str | None = None
    ) -> OrderCreateV7Confirmation:
        """Place an order with v7 (``POST /resellers/v7/orders``): asynchronous.

        The answer is a confirmation (quote and confirmation numbers); the created orders
        arrive later as webhook events (see ``xi_orders.webhooks``).
        """
        body = _request_body("order", order, OrderCreateV7Request)
        reply = await self._sender.send(CREATE_ORDER_V7, body=body, correlation_id=correlation_id)
        return _decode(reply, OrderCreateV7Confirmation)

    async def modify_order(
        self,
        order_number: str,
        changes: OrderModifyRequest,
        *,
        region_code: str | None = None,
        correlation_id: str | None = None,
    ) -> OrderModifyResponse:
        """Change an order on customer hold (``PUT /resellers/v6/orders/{orderNumber}``).

        Only orders created with ``customer_hold=True`` can be modified, within 24 hours.
        A 207 means some changes were rejected: see ``result.rejected_lines``.
        """
        number = _order_number(order_number)
        body = _request_body("changes", changes, OrderModifyRequest)
        params = [("regionCode", _text("region_code", region_code))] if region_code else []
        reply = await self._sender.send(
            MODIFY_ORDER,
            path_arg=number,
            params=params,
            body=body,
            correlation_id=correlation_id,
        )
        return _decode(reply, OrderModifyResponse)

    async def release_order(
        self,
        order_number: str,
        *,
        region_code: str | None = None,
        correlation_id: str | None = None,
    ) -> OrderModifyResponse:
        """Release an order from customer hold to the warehouse
        (``PUT /resellers/v6/orders/{orderNumber}?actionCode=release``)."""
        number = _order_number(order_number)
        params = [("actionCode", "release")]
        if region_code is not None:
            params.append(("regionCode", _text("region_code", region_code)))
        reply = await self._sender.send(
            MODIFY_ORDER,
            path_arg=number,
            params=params,
            body={},
            correlation_id=correlation_id,
        )
        if reply.data is None:
            return OrderModifyResponse(response=reply.meta)
        return _decode(reply, OrderModifyResponse)

    async def cancel_order(
        self,
        order_number: str,
        *,
        region_code: str | None = None,
        correlation_id: str | None = None,
    ) -> ResponseMeta:
        """Cancel an order on customer hold, before it is released to the warehouse
        (``DELETE /resellers/v6/orders/{OrderNumber}``).

        The API answers 200 with an empty body; the result is that exchange's metadata
        (status, correlation ID). Errors raise as for any call.
        """
        number = _order_number(order_number)
        params = [("regionCode", _text("region_code", region_code))] if region_code else []
        reply = await self._sender.send(
            CANCEL_ORDER,
            path_arg=number,
            params=params,
            correlation_id=correlation_id,
        )
        return reply.meta

    def get_orders(
        self,
        order_numbers: Iterable[str],
        *,
        concurrency: int = 16,
        ordered: bool = False,
        progress: bool = False,
        on_progress: ProgressCallback | None = None,
        simulate_status: SimulateStatus | None = None,
        region_code: str | None = None,
    ) -> BulkLookup:
        """Look up many orders concurrently; see ``BulkLookup`` for the ways to consume it.

        At most ``concurrency`` lookups are in flight, and all of them queue on the
        ``get_order`` rate limit, so the batch runs at the API's pace with no 429 storm.
        Each distinct number yields exactly one result: its ``OrderDetail`` or the
        ``XiError`` its lookup ended with. ``progress=True`` shows a bar (tqdm's auto bar
        when installed, so notebooks get a widget); ``on_progress`` receives a
        ``BulkProgress`` after every result.

        Example::

            details = await client.get_orders(numbers, concurrency=16).collect()
            failed = {n: e.correlation_id for n, e in details.items() if isinstance(e, XiError)}
        """

        async def lookup(number: str) -> OrderDetail:
            return await self.get_order(
                number, simulate_status=simulate_status, region_code=region_code
            )

        return BulkLookup(
            lookup,
            order_numbers,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
            on_progress=on_progress,
        )

    # --- lifecycle -------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncOrdersClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _order_number(value: object, *, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("order_number", f"must be a non-empty string, got {value!r}")
    if limit is not None and len(value) > limit:
        raise ValidationError(
            "order_number", f"must be at most {limit} characters, got {len(value)}"
        )
    return value


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    return value


class _Request(Protocol):
    def validate(self) -> None: ...


def _request_body(field: str, value: object, cls: type[_Request]) -> Any:
    if not isinstance(value, cls):
        raise ValidationError(field, f"must be a {cls.__name__}, got {type(value).__name__}")
    # Checked again here: a request may have been changed in place since it was built.
    value.validate()
    return unstructure(value)


def _decode(reply: Reply, cls: type[ResultT]) -> ResultT:
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
    return result
