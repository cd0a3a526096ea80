"""xi_orders: an async-first, typed client for Ingram Micro's Xvantage Reseller Orders API.

Example::

    from xi_orders import AsyncOrdersClient

    async with AsyncOrdersClient.from_env() as client:
        order = await client.get_order("20-RD3QV")

``OrdersClient`` is the same client for sync code and notebooks; the models live in
``xi_orders.models``, the offline sandbox in ``xi_orders.testing``, webhook verification in
``xi_orders.webhooks``.
"""

from ._ratelimit import RateLimit
from ._raw import RawResponse
from ._reconcile import ReconcilePolicy
from ._response import Reconciliation, ResponseMeta
from ._retry import RetryPolicy
from ._version import __version__
from .bulk import BulkLookup, BulkProgress
from .client import AsyncOrdersClient
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    DecodeError,
    EventLoopError,
    InternalServerError,
    NotFoundError,
    OrderOutcomeUnknown,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    TokenRequestError,
    UnauthorizedError,
    UnexpectedError,
    UnprocessableEntityError,
    ValidationError,
    XiError,
)
from .models.status import OrderStatus
from .pagination import AsyncPaginator, PaginationError, PaginationWarning
from .sync import OrdersClient

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOrdersClient",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "BulkLookup",
    "BulkProgress",
    "ClientClosedError",
    "ConflictError",
    "DecodeError",
    "EventLoopError",
    "InternalServerError",
    "NotFoundError",
    "OrderOutcomeUnknown",
    "OrderStatus",
    "OrdersClient",
    "PaginationError",
    "PaginationWarning",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "ReconcilePolicy",
    "Reconciliation",
    "ResponseDecodeError",
    "ResponseMeta",
    "RetryPolicy",
    "TokenRequestError",
    "UnauthorizedError",
    "UnexpectedError",
    "UnprocessableEntityError",
    "ValidationError",
    "XiError",
    "__version__",
]
