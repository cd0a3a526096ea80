"""One operation, four faces: awaited, awaited raw, blocking, blocking raw.

A single-request operation is written once, as an ``async def`` of the client's operations
base decorated with ``@operation(ENDPOINT)``. Every face class inherits that base and says,
once, how it runs an operation (``Face._runner``): ``AsyncOrdersClient`` awaits it,
``client.with_raw_response`` awaits it for a ``RawResponse``, ``OrdersClient`` blocks on it,
``OrdersClient.with_raw_response`` blocks for a ``RawResponse``. The overloads of
``Operation.__get__`` give each face its type under ``mypy --strict``, so a new operation
needs no line in the sync client or the raw faces.

A leaf of the package apart from the endpoint table and ``RawResponse``'s type.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Awaitable, Callable
from types import MethodType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ._endpoints import Endpoint

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._raw import RawResponse

P = ParamSpec("P")
R = TypeVar("R")


class Face(abc.ABC):
    """A class offering the operations one way; each concrete face says how in ``_runner``
    (abstract: a face that forgot cannot be instantiated)."""

    @classmethod
    @abc.abstractmethod
    def _runner(cls, op: Operation[Any, Any]) -> Callable[..., Any]:
        """A function ``(face, *args, **kwargs)`` running ``op`` on this face (made once per
        face class and operation, then bound to each face as a method is)."""

    @classmethod
    def _operation_names(cls) -> list[str]:
        """The operations this face offers, sorted."""
        return sorted(name for name in dir(cls) if isinstance(getattr(cls, name, None), Operation))


class AsyncFace(Face):
    """Awaited, returning the typed result (``AsyncOrdersClient``)."""


class AsyncRawFace(Face):
    """Awaited, returning a ``RawResponse`` (``client.with_raw_response``)."""


class BlockingFace(Face):
    """Blocking, returning the typed result (``OrdersClient``)."""


class BlockingRawFace(Face):
    """Blocking, returning a ``RawResponse`` (``OrdersClient.with_raw_response``)."""


class Operation(Generic[P, R]):
    """A single-request operation: its endpoint and its ``async def`` (which always runs
    with an ``AsyncOrdersClient`` as ``self``), offered by every face that inherits it."""

    def __init__(
        self, endpoint: Endpoint, method: Callable[Concatenate[Any, P], Awaitable[R]]
    ) -> None:
        #: The endpoint whose exchange a raw face returns.
        self.endpoint = endpoint
        self.method = method
        self.name: str = method.__name__
        self.__doc__ = method.__doc__
        self.__wrapped__ = method
        self._runners: dict[type[Face], Callable[..., Any]] = {}

    def __set_name__(self, owner: type[Any], name: str) -> None:
        if name != self.name:
            raise TypeError(f"operation {self.name!r} is bound to the name {name!r}")

    @overload
    def __get__(self, face: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, face: AsyncFace, owner: type[Any]) -> Callable[P, Awaitable[R]]: ...
    @overload
    def __get__(
        self, face: AsyncRawFace, owner: type[Any]
    ) -> Callable[P, Awaitable[RawResponse[R]]]: ...
    @overload
    def __get__(self, face: BlockingFace, owner: type[Any]) -> Callable[P, R]: ...
    @overload
    def __get__(self, face: BlockingRawFace, owner: type[Any]) -> Callable[P, RawResponse[R]]: ...
    def __get__(self, face: Face | None, owner: type[Any]) -> Any:
        return self if face is None else self._bind(face)

    def __call__(self, face: Face, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Called on the class, as a plain method is: ``OrdersClient.get_order(client, n)``."""
        return self._bind(face)(*args, **kwargs)

    def _bind(self, face: Face) -> Callable[..., Any]:
        cls = type(face)
        run = self._runners.get(cls)
        if run is None:
            run = cls._runner(self)
            if run is not self.method:  # a wrapper: give it the operation's name and docs
                run = functools.wraps(self.method)(run)
            self._runners[cls] = run
        return MethodType(run, face)

    def __repr__(self) -> str:
        return f"<operation {self.name} ({self.endpoint.method} {self.endpoint.template})>"


def operation(
    endpoint: Endpoint,
) -> Callable[[Callable[Concatenate[Any, P], Awaitable[R]]], Operation[P, R]]:
    """Declare an ``async def`` of the operations base as the operation sending
    ``endpoint``.

    Example::

        @operation(GET_ORDER)
        async def get_order(self: AsyncOrdersClient, order_number: str) -> OrderDetail: ...
    """

    def declare(method: Callable[Concatenate[Any, P], Awaitable[R]]) -> Operation[P, R]:
        return Operation(endpoint, method)

    return declare
