"""xi_orders: an async-first, typed client for Ingram Micro's Xvantage Reseller Orders API.

Example::

    from xi_orders import AsyncOrdersClient

    async with AsyncOrdersClient.from_env() as client:
        order = await client.get_order("20-RD3QV")
"""

from ._ratelimit import RateLimit
from ._response import ResponseMeta
from ._retry import RetryPolicy
from ._version import __version__
from .client import AsyncOrdersClient
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    TokenRequestError,
    UnauthorizedError,
    UnprocessableEntityError,
    ValidationError,
    XiError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOrdersClient",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DecodeError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "ResponseDecodeError",
    "ResponseMeta",
    "RetryPolicy",
    "TokenRequestError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationError",
    "XiError",
    "__version__",
]
