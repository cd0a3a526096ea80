"""``AsyncOrdersClient``: the Orders API, one short method per operation.

Each method checks its arguments (``ValidationError`` before anything is sent), sends its
endpoint (``_endpoints``) through the client's session and pipeline, and types the reply
(``_results``). What a call shares with every other call of the client (pool, token, rate
limiter, closed state, event loop) is the ``Session``; a view (``with_options``,
``with_raw_response``) is this client with other per-call options.

The single-request operations are declared once, in ``_Operations``, with
``@operation(ENDPOINT)``: the async client, the sync client and both raw views inherit them,
each running them its own way (``_faces``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from . import _checks, _logging, _results, _settings, _telemetry, vendor_fields
from ._checks import SimulateStatus
from ._endpoints import (
    CANCEL_ORDER,
    CREATE_ORDER,
    CREATE_ORDER_V7,
    GET_ORDER,
    MODIFY_ORDER,
    SEARCH_ORDERS,
    VENDOR_REQUIRED_INFO,
    Endpoint,
)
from ._faces import AsyncFace, AsyncRawFace, Operation, operation
from ._pipeline import Params, Reply
from ._raw import RawResponse, call_raw
from ._reconcile import Inbox, ReconcilePolicy, check_inbox, create_once
from ._request import (
    NO_OPTIONS,
    CallOptions,
    Capture,
    Headers,
    RequestOptions,
    Timeout,
    check_correlation_id,
    numbered_correlation_id,
)
from ._response import ResponseMeta
from ._retry import RetryPolicy
from ._search import (
    DEFAULT_PAGE_SIZE,
    DateLike,
    DateRange,
    StatusFilter,
    build_search_params,
)
from ._session import Session
from .bulk import BulkLookup, ProgressCallback
from .errors import ValidationError
from .models import (
    AsyncOrderCreateEvent,
    AsyncOrderCreateResult,
    CreatedOrder,
    OrderCreateRequest,
    OrderCreateResponse,
    OrderCreateV7Confirmation,
    OrderCreateV7Request,
    OrderDetail,
    OrderModifyRequest,
    OrderModifyResponse,
    OrderSearchPage,
    OrderSummary,
    VendorRequiredInfo,
)
from .pagination import AsyncPaginator

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._settings import ClientSettings, EnvOverrides
    from .webhooks import WebhookInbox

Environment = _settings.Environment
DEFAULT_TIMEOUT = _settings.DEFAULT_TIMEOUT

logger = logging.getLogger("xi_orders.client")

P = ParamSpec("P")
R = TypeVar("R")
#: What a create returns.
PlacedT = TypeVar("PlacedT", OrderCreateResponse, OrderCreateV7Confirmation)


class _Operations:
    """The single-request operations, written once. Each runs with an
    ``AsyncOrdersClient`` as ``self``; every face (``AsyncOrdersClient``, its
    ``with_raw_response``, ``OrdersClient`` and its ``with_raw_response``) inherits them and
    runs them its own way (``_faces``)."""

    @operation(GET_ORDER)
    async def get_order(
        self: AsyncOrdersClient,
        order_number: str,
        *,
        order_date: DateLike | None = None,
        vendor_number: str | None = None,
        simulate_status: SimulateStatus | None = None,
        is_iml: bool | None = None,
        region_code: str | None = None,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> OrderDetail:
        """One order's full details (``GET /resellers/v6.1/orders/{ordernumber}``).

        Args:
            order_number: the Ingram Micro order number, e.g. ``"20-RD3QV"`` (max 12).
            order_date: the order's creation day in UTC (``ingramOrderDate``): a ``date``,
                ``"yyyy-MM-dd"``, or the order's own ``ingram_order_date`` (an aware
                datetime, taken to its UTC day).
            vendor_number: ``vendorNumber``.
            simulate_status: sandbox only: answer as if the order were in this state.
            is_iml: ``isIml``.
            region_code: sandbox only: ``regionCode``.
            correlation_id: your own IM-CorrelationID (max 32) instead of a fresh one.

        Raises ``NotFoundError`` for an unknown order, and ``ValidationError`` (nothing
        sent) for an order number that cannot be one: empty, longer than 12 characters,
        ``.`` or ``..``, or with whitespace, control or non-ASCII characters or ``/?#%\\``. Example::

            order = await client.get_order("20-RD3QV")
            for line in order.lines:
                print(line.ingram_part_number, line.quantity_ordered)
        """
        number = _checks.order_number(order_number)
        params = _checks.get_order_params(
            order_date, vendor_number, simulate_status, is_iml, region_code
        )
        reply = await self._send(
            GET_ORDER,
            path_arg=number,
            params=params,
            correlation_id=correlation_id,
            options=options,
        )
        return _results.decode(reply, OrderDetail)

    @operation(CREATE_ORDER)
    async def create_order(
        self: AsyncOrdersClient,
        order: OrderCreateRequest,
        *,
        reconcile: bool | ReconcilePolicy | None = None,
        check_vendor_fields: bool = False,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> OrderCreateResponse:
        """Place an order (v6, ``POST /resellers/v6/orders``).

        A 207 Multi-Status (some lines rejected) is a success: check ``result.is_partial``
        and ``result.rejected_lines``.

        Placed at most once: the send path never repeats a create that may have reached
        the server. When one fails that way (a read timeout, a 5xx, a connection dropped
        after sending), the client looks the order up by its customer PO number (and its
        lines and ship-to) for up to ``ReconcilePolicy.window`` seconds: found, it returns
        the order with ``result.reconciled`` true; surely absent and the API's
        duplicate-PO guard on, it sends the create once more (the guard refuses a second
        copy); otherwise it raises ``OrderOutcomeUnknown`` with the candidates and every
        correlation ID. ``reconcile=False`` (here or on the client) raises the ambiguous
        error instead.

        Example::

            result = await client.create_order(OrderCreateRequest(
                customer_order_number="PO-1001",
                lines=[OrderCreateLine(customer_line_number="1", ingram_part_number="6YE881", quantity=2)],
                customer_hold=True,
            ))
            print(result.orders[0].ingram_order_number, result.is_partial)
        """
        return await self._place(
            CREATE_ORDER,
            order,
            _checks.request_body("order", order, OrderCreateRequest),
            OrderCreateResponse,
            reconcile,
            check_vendor_fields,
            correlation_id,
            options,
            lambda orders, _events: OrderCreateResponse(
                customer_order_number=order.customer_order_number,
                end_customer_order_number=order.end_customer_order_number,
                orders=orders,
            ),
        )

    @operation(CREATE_ORDER_V7)
    async def create_order_v7(
        self: AsyncOrdersClient,
        order: OrderCreateV7Request,
        *,
        reconcile: bool | ReconcilePolicy | None = None,
        webhook_inbox: WebhookInbox | None = None,
        check_vendor_fields: bool = False,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> OrderCreateV7Confirmation:
        """Place an order with v7 (``POST /resellers/v7/orders``): asynchronous.

        The answer is a confirmation (quote and confirmation numbers); the created orders
        arrive later as webhook events (see ``xi_orders.webhooks``). A 201 answer may
        instead list those events already (``result.events``, ``result.order_numbers``).
        Any 2xx is an accepted order and never raises a decode error: see
        ``result.decode_problem`` and ``result.raw_body``.

        An ambiguous failure is reconciled as for ``create_order`` (by PO number, which is
        therefore required). A v7 order reaches search only once it is processed; with a
        ``webhook_inbox`` (here, else the client's) the lookup also watches the inbox for
        the order-create event carrying the PO number, racing the search: the first to
        decide wins. Events put in the inbox before this call are ignored (an earlier order
        with the same PO), and the orders an event names are fetched and compared with
        the request before they count. An event naming no order means the create was
        refused: it is sent once more behind the duplicate-PO guard. A found result lists
        its orders in ``result.order_numbers`` and ``result.events`` (the webhook event,
        or one built from the orders search found); ``result.reconciliation.source`` says
        which (``"webhook"`` or ``"search"``), with the ``event_ids``.

        ``check_vendor_fields=True`` first asks Vendor Required Info for the request's
        products and raises ``vendor_fields.MissingVendorFieldsError`` (a
        ``ValidationError``) listing every missing vendor field, per line, before anything
        is placed (also on ``create_order``, whose lines answer in ``additional_attributes``).

        Example::

            inbox = WebhookInbox()              # your receiver: inbox.put_many(parse_events(...))
            result = await client.create_order_v7(request, webhook_inbox=inbox)
        """
        body = _checks.request_body("order", order, OrderCreateV7Request)
        inbox = check_inbox("webhook_inbox", webhook_inbox)
        return await self._place(
            CREATE_ORDER_V7,
            order,
            body,
            OrderCreateV7Confirmation,
            reconcile,
            check_vendor_fields,
            correlation_id,
            options,
            lambda orders, event_data: _found_v7(order, orders, event_data),
            # not ``or``: an empty inbox is falsy (it has a length)
            self._webhook_inbox if inbox is None else inbox,
        )

    @operation(VENDOR_REQUIRED_INFO)
    async def get_vendor_required_info(
        self: AsyncOrdersClient,
        products: Sequence[vendor_fields.ProductLike] = (),
        *,
        quote_number: str | None = None,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> VendorRequiredInfo:
        """Which fields each vendor requires before an order for these products can be
        placed (``POST /resellers/v7/vendorrequiredinfo``).

        ``products``: Ingram part numbers as strings, or ``VendorProduct`` values naming a
        vendor part number or a subscription plan ID; ``quote_number`` asks about a
        quote's products. The API requires IM-SenderID here: without the client's
        ``sender_id`` this raises ``ValidationError`` naming ``sender_id``, nothing sent.
        ``xi_orders.vendor_fields`` turns the answer into request fields. Example::

            info = await client.get_vendor_required_info(["5DV320", VendorProduct(plan_id="438308")])
            for product in info:
                print(product.label, [f.name for f in vendor_fields.fields_to_fill(product)])
        """
        request = vendor_fields.request_body(products, quote_number, self.sender_id)
        reply = await self._send(
            VENDOR_REQUIRED_INFO,
            body=_checks.request_body("products", request, type(request)),
            correlation_id=correlation_id,
            options=options,
        )
        return _results.decode(reply, VendorRequiredInfo)

    @operation(MODIFY_ORDER)
    async def modify_order(
        self: AsyncOrdersClient,
        order_number: str,
        changes: OrderModifyRequest,
        *,
        region_code: str | None = None,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> OrderModifyResponse:
        """Change an order on customer hold (``PUT /resellers/v6/orders/{orderNumber}``).

        Only orders created with ``customer_hold=True`` can be modified, within 24 hours.
        A 207 means some changes were rejected: see ``result.rejected_lines``.
        """
        number = _checks.order_number(order_number)
        body = _checks.request_body("changes", changes, OrderModifyRequest)
        params = [("regionCode", _checks.text("region_code", region_code))] if region_code else []
        return await _results.accepted(
            self._send(
                MODIFY_ORDER,
                path_arg=number,
                params=params,
                body=body,
                correlation_id=correlation_id,
                options=options,
            ),
            OrderModifyResponse,
        )

    @operation(MODIFY_ORDER)
    async def release_order(
        self: AsyncOrdersClient,
        order_number: str,
        *,
        region_code: str | None = None,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> OrderModifyResponse:
        """Release an order from customer hold to the warehouse
        (``PUT /resellers/v6/orders/{orderNumber}?actionCode=release``)."""
        number = _checks.order_number(order_number)
        params = [("actionCode", "release")]
        if region_code is not None:
            params.append(("regionCode", _checks.text("region_code", region_code)))
        return await _results.accepted(
            self._send(
                MODIFY_ORDER,
                path_arg=number,
                params=params,
                body={},
                correlation_id=correlation_id,
                options=options,
            ),
            OrderModifyResponse,
            empty_ok=True,
        )

    @operation(CANCEL_ORDER)
    async def cancel_order(
        self: AsyncOrdersClient,
        order_number: str,
        *,
        region_code: str | None = None,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> ResponseMeta:
        """Cancel an order on customer hold, before it is released to the warehouse
        (``DELETE /resellers/v6/orders/{OrderNumber}``).

        The API answers 200 with an empty body; the result is that exchange's metadata
        (status, correlation ID). Errors raise as for any call.
        """
        number = _checks.order_number(order_number)
        params = [("regionCode", _checks.text("region_code", region_code))] if region_code else []
        reply = await self._send(
            CANCEL_ORDER,
            path_arg=number,
            params=params,
            correlation_id=correlation_id,
            options=options,
        )
        return reply.meta


class AsyncOrdersClient(_Operations, AsyncFace):
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
        environment: ``"production"`` (API paths at ``https://api.ingrammicro.com:443``) or
            ``"sandbox"`` (Ingram Micro's sandbox, ``https://api.ingrammicro.com:443/sandbox``);
            both get their tokens from ``https://api.ingrammicro.com:443/oauth/oauth30/token``.
        base_url: overrides the environment's URL for the API paths (a proxy, the local
            sandbox's ``sandbox.serve()`` URL).
        token_url: defaults to ``/oauth/oauth30/token`` at the root of ``base_url``'s host.
        allow_insecure: accept a plain ``http://`` URL on a host other than this machine.
            Off by default: the token request would carry the client secret in cleartext.
        timeout: positive seconds, or an ``httpx.Timeout`` (not with ``http_client``, whose
            own timeout applies).
        retry: a ``RetryPolicy`` (``RetryPolicy.disabled()`` for none); token requests
            retry under it too.
        rate_limit: a ``RateLimit`` for every endpoint, a mapping from operation name
            (``"get_order"``, ``"search_orders"``, ...) to ``RateLimit``, or ``None`` to turn
            client-side pacing off. By default 60 calls a minute per endpoint (the API's
            standard), following the server's ``X-RateLimit-Limit`` when it differs.
        transport: an ``httpx.AsyncBaseTransport`` (tests, the sandbox, proxies).
        http_client: an existing ``httpx.AsyncClient`` to share; it is not closed by us,
            and it stays bound to whatever event loop its connections were opened on.
        trust_env: honour ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``
            (and ``SSL_CERT_FILE``) as httpx does; on by default.
        shared: a ``xi_orders.shared`` backend (``RedisShared(url, namespace=...)``,
            ``MemoryShared()``) through which every client of the same app, in this and
            other processes, shares one access token and one per-endpoint rate budget.
            Default: this client keeps its own token and paces itself. If the backend fails,
            calls go on: tokens are fetched locally and pacing is per process.
        reconcile: what a create does when its outcome is unknown (a read timeout, a 5xx,
            a connection dropped after sending): ``True`` (default) looks the order up by
            its PO number and returns it, or sends it once more when it surely was not
            placed, with a default ``ReconcilePolicy``; a ``ReconcilePolicy`` to tune the
            search window; ``False`` to get the ambiguous error instead.
        webhook_inbox: a ``xi_orders.webhooks.WebhookInbox`` your webhook receiver puts
            Ingram Micro's events into: a v7 create whose outcome is unknown then also
            watches it for the order-create event carrying its PO number, usually a faster
            answer than search (see ``create_order_v7``).
        default_headers; event_hooks, limits, proxy, verify (httpx's, for the pool we build);
            tracer_provider, meter_provider, propagate_trace (OpenTelemetry, the ``otel``
            extra): see the README's "In production".

    One event loop at a time: the client's own connection pool and locks follow it to a
    new loop (a second ``asyncio.run``, a notebook client handed to ``OrdersClient.wrap``).
    After ``aclose()`` every call, in flight or later, raises ``ClientClosedError``.
    """

    def __init__(self, **settings: Unpack[ClientSettings]) -> None:
        _logging.setup_from_env()
        checked = _settings.Settings.check(settings)
        self.customer_number = checked.customer_number
        self.country_code = checked.country_code
        self.sender_id = checked.sender_id
        self.environment = checked.environment
        self.base_url = checked.base_url
        self.token_url = checked.token_url
        self._reconcile = checked.reconcile
        self._webhook_inbox = checked.webhook_inbox
        self._options = NO_OPTIONS
        self._session = Session(checked, repr(self))

    @classmethod
    def from_env(cls, **overrides: Unpack[EnvOverrides]) -> Self:
        """A client configured from ``XI_CLIENT_ID``, ``XI_CLIENT_SECRET``,
        ``XI_CUSTOMER_NUMBER``, ``XI_COUNTRY_CODE`` and, optionally, ``XI_SENDER_ID``,
        ``XI_ENVIRONMENT`` (``production`` or ``sandbox``), ``XI_BASE_URL`` and
        ``XI_TOKEN_URL``. Keyword arguments override or add settings.

        Example::

            async with AsyncOrdersClient.from_env() as client: ...
        """
        return cls(**_settings.from_env(overrides))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(customer_number={self.customer_number!r}, "
            f"country_code={self.country_code!r}, base_url={self.base_url!r})"
        )

    @property
    def token_requests(self) -> int:
        """How many access tokens this client has requested so far."""
        return self._session.auth.token_requests

    # --- views ------------------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        headers: Headers | None = None,
    ) -> Self:
        """This client with other options for the calls made through the result: the same
        connection pool, access token and rate budget (nothing new is opened or fetched).
        ``timeout`` applies to each HTTP attempt, ``retry`` replaces the retry policy,
        ``headers`` are added to every request (``Authorization`` and ``IM-CorrelationID``
        are refused; ``IM-CustomerNumber``, ``IM-CountryCode`` and ``IM-SenderID`` may be
        overridden and are checked). Closing a view closes the client.

        Example::

            patient = client.with_options(timeout=120, retry=RetryPolicy(attempts=8))
            order = await patient.get_order("20-RD3QV")
        """
        return self._view(self._options.evolve(timeout=timeout, retry=retry, headers=headers))

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """The single-request operations returning a ``RawResponse`` (the final
        ``httpx.Response`` and ``.parse()``) instead of the typed result::

            raw = await client.with_raw_response.get_order("20-RD3QV")
            print(raw.status_code, raw.headers.get("X-RateLimit-Remaining"))
            order = raw.parse()
        """
        return AsyncRawResponses(self)

    def _view(self, options: CallOptions) -> Self:
        view = copy.copy(self)
        view._options = options
        return view

    async def _send(
        self,
        endpoint: Endpoint,
        *,
        path_arg: str | None = None,
        params: Params = None,
        body: Any = None,
        correlation_id: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Reply:
        return await self._session.send(
            endpoint,
            self._options.for_call(options or {}),
            path_arg=path_arg,
            params=params,
            body=body,
            correlation_id=correlation_id,
        )

    # --- lifecycle --------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has been called."""
        return self._session.closed

    async def aclose(self) -> None:
        """Close the client: calls still in flight end with ``ClientClosedError`` (none is
        retried), later calls raise it, and the connection pool is closed (unless it was
        passed in as ``http_client``). Closing twice is harmless (a view closes its client)."""
        await self._session.aclose()

    async def __aenter__(self) -> Self:
        self._session.check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def search_orders(
        self,
        *,
        ingram_order_number: str | None = None,
        order_status: StatusFilter | None = None,
        order_statuses: Sequence[StatusFilter] | None = None,
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
        strict: bool = False,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[OrderSummary]:
        """Search orders (``GET /resellers/v6/orders/search``), every page, streaming.

        Filters map to the API's exact names (``order_statuses`` -> ``orderStatus-in``,
        ``ingram_order_date_between`` -> ``ingramOrderDate-bt``, ``invoice_date_between`` ->
        ``invoiceDate_bt``, ...); ranges are ``(start, end)`` pairs of dates. Filters are
        checked now, before any call: a bad one raises ``ValidationError`` naming it.

        Args:
            order_status, order_statuses: an ``OrderStatus`` or a string. Known statuses
                match in any spelling (``"Canceled"``, ``"on hold"``, ``"im::hold"``) and are
                sent in the API's (``CANCELLED``, ``ON HOLD``); the spec lists five values
                for ``orderStatus`` and none for ``orderStatus-in``, so any other non-empty
                string is sent as given.
            page_size: 1 to 100; default 100, four times fewer calls than the API's 25.
            limit: stop after this many orders, fetching no more pages than needed.
            prefetch: once the first page tells the total, fetch this many pages at a
                time concurrently (still through the rate limiter); 0 fetches one by one.
            strict: raise ``PaginationError`` when the server's pages do not add up (a
                ``recordsFound`` that changes mid-walk, a repeated page, an end before
                ``recordsFound`` records arrived) instead of warning (``PaginationWarning``).
                Pages are counted by the server's own page size and the records received,
                so a server answering fewer rows a page than asked still yields them all.
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
        if not isinstance(strict, bool):
            raise ValidationError("strict", "must be True or False")
        if correlation_id is not None:
            check_correlation_id(correlation_id)
        self._session.check_open()

        async def fetch(page_number: int) -> OrderSearchPage | None:
            cid = correlation_id
            if page_number > 1:
                cid = numbered_correlation_id(correlation_id, f"-p{page_number}")
            reply = await self._send(
                SEARCH_ORDERS,
                params=[*params, ("pageNumber", str(page_number))],
                correlation_id=cid,
                options=options,
            )
            if reply.data is None:  # 204 No Content: nothing matched
                return None
            return _results.decode(reply, OrderSearchPage)

        return AsyncPaginator(
            fetch,
            page_size=page_size,
            limit=limit,
            prefetch=prefetch,
            strict=strict,
            query=params,
        )

    def get_orders(
        self,
        order_numbers: Iterable[str],
        *,
        concurrency: int = 16,
        ordered: bool = False,
        progress: bool = False,
        on_progress: ProgressCallback | None = None,
        order_date: DateLike | None = None,
        vendor_number: str | None = None,
        simulate_status: SimulateStatus | None = None,
        is_iml: bool | None = None,
        region_code: str | None = None,
        correlation_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> BulkLookup:
        """Look up many orders concurrently; see ``BulkLookup`` for the ways to consume it.

        At most ``concurrency`` lookups are in flight, and all of them queue on the
        ``get_order`` rate limit, so the batch runs at the API's pace with no 429 storm.
        Each distinct number yields exactly one result: its ``OrderDetail`` or the
        ``XiError`` its lookup ended with. ``progress=True`` shows a bar (tqdm's auto bar
        when installed, so notebooks get a widget); ``on_progress`` receives a
        ``BulkProgress`` after every result.

        ``order_date``, ``vendor_number``, ``simulate_status``, ``is_iml`` and
        ``region_code`` go with every lookup, as ``get_order`` sends them, and are checked
        now. ``correlation_id`` is a prefix: the lookup of the N-th distinct number gets
        ``{correlation_id}-{N}`` (cut to the 32-character limit), so support can find the
        whole batch. Each ``OrderDetail`` carries its own ``.response``.

        Example::

            details = await client.get_orders(numbers, concurrency=16).collect()
            failed = {n: e.correlation_id for n, e in details.items() if isinstance(e, XiError)}
        """
        params = _checks.get_order_params(
            order_date, vendor_number, simulate_status, is_iml, region_code
        )
        if correlation_id is not None:
            check_correlation_id(correlation_id)
        self._session.check_open()
        position: dict[str, int] = {}

        async def lookup(number: str) -> OrderDetail:
            cid = numbered_correlation_id(correlation_id, f"-{position[number]}")
            reply = await self._send(
                GET_ORDER,
                path_arg=_checks.order_number(number),
                params=params,
                correlation_id=cid,
                options=options,
            )
            return _results.decode(reply, OrderDetail)

        bulk = BulkLookup(
            lookup,
            order_numbers,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
            on_progress=self._session.telemetry.bulk_progress(on_progress),
        )
        position.update((number, index) for index, number in enumerate(bulk.numbers, 1))
        return bulk

    def _policy_for(self, reconcile: bool | ReconcilePolicy | None) -> ReconcilePolicy | None:
        """The reconcile policy of one create: the call's own, else the client's."""
        if reconcile is None:
            return self._reconcile
        return ReconcilePolicy.coerce("reconcile", reconcile)

    async def _place(
        self,
        endpoint: Endpoint,
        order: OrderCreateRequest | OrderCreateV7Request,
        body: Any,
        result_type: type[PlacedT],
        reconcile: bool | ReconcilePolicy | None,
        check_vendor_fields: bool,
        correlation_id: str | None,
        options: Mapping[str, Any],
        found: Callable[[list[CreatedOrder], list[object]], PlacedT],
        inbox: Inbox | None = None,
    ) -> PlacedT:
        """A create, placed at most once (``create_once``), as one span: its pre-flight,
        sends, searches and lookups nest under it. ``found(orders, event_data)`` is the
        result for orders an ambiguous create turned out to have placed."""
        policy = self._policy_for(reconcile)

        async def send(cid: str | None) -> PlacedT:
            reply = self._send(endpoint, body=body, correlation_id=cid, options=options)
            return await _results.accepted(reply, result_type)

        async def place() -> PlacedT:
            if check_vendor_fields:
                await vendor_fields.preflight(
                    self.get_vendor_required_info, order, correlation_id, options
                )
            return await create_once(send, order, self, policy, correlation_id, found, inbox)

        span = self._session.telemetry.begin(endpoint.name)
        return await _telemetry.traced(span, place())

    @classmethod
    def _runner(cls, op: Operation[Any, Any]) -> Callable[..., Any]:
        return op.method  # an operation is this class's own method

    async def _raw(
        self, op: Operation[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[R]:
        """``op`` run on a view recording its exchanges, as a ``RawResponse`` of its own
        endpoint's (not of the lookups a reconciled create makes)."""
        capture = Capture()
        view = self._view(self._options.capturing(capture))
        return await call_raw(op.method(view, *args, **kwargs), capture, op.endpoint)


def _found_v7(
    order: OrderCreateV7Request, orders: list[CreatedOrder], event_data: list[object]
) -> OrderCreateV7Confirmation:
    """The result of a v7 create whose order was found after an ambiguous failure: the
    webhook events that announced it, else one built from the orders search found (so
    ``order_numbers`` lists them either way)."""
    events = [e for e in event_data if isinstance(e, AsyncOrderCreateEvent)]
    if events:
        return OrderCreateV7Confirmation(
            message="found by its order-create webhook event after an ambiguous create",
            events=events,
        )
    return OrderCreateV7Confirmation(
        message="found by customer order number after an ambiguous create",
        events=[
            AsyncOrderCreateEvent(
                resource=AsyncOrderCreateResult(
                    customer_order_number=order.customer_order_number,
                    end_customer_order_number=order.end_customer_order_number,
                    orders=orders,
                )
            )
        ],
    )


class AsyncRawResponses(_Operations, AsyncRawFace):
    """``client.with_raw_response``: the single-request operations, each returning a
    ``RawResponse`` instead of the typed result (see ``RawResponse``)."""

    def __init__(self, client: AsyncOrdersClient) -> None:
        self._client = client

    @classmethod
    def _runner(cls, op: Operation[Any, Any]) -> Callable[..., Any]:
        async def raw(face: AsyncRawResponses, /, *args: Any, **kwargs: Any) -> Any:
            return await face._client._raw(op, *args, **kwargs)

        return raw

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"with_raw_response has no {name!r}: it offers the single-request operations "
            f"({', '.join(self._operation_names())})"
        )
