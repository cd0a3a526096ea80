"""The one table of the Orders API's operations.

The client's operations (``@operation(ENDPOINT)``, which gives them their sync and raw
faces), telemetry and the sandbox all read it: an
endpoint's name is its rate-limit key, its metric and span label, and the sandbox's
counter and fault key. A leaf: it imports nothing of the package.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Endpoint:
    """One API operation on the wire: its name, method and path (``{}`` stands for the
    order number, which is URL-encoded into it)."""

    name: str
    method: str
    path: str
    #: A POST that only reads (Vendor Required Info): retried as a GET is.
    reads_only: bool = False

    @property
    def changes_orders(self) -> bool:
        """Whether a duplicate send could create or change an order twice."""
        return self.method != "GET" and not self.reads_only

    @property
    def template(self) -> str:
        """The path with its parameter named (``url.template`` in traces): never a real
        order number."""
        return self.path.replace("{}", "{orderNumber}")


TOKEN = Endpoint("token", "POST", "/oauth/oauth30/token")
GET_ORDER = Endpoint("get_order", "GET", "/resellers/v6.1/orders/{}")
SEARCH_ORDERS = Endpoint("search_orders", "GET", "/resellers/v6/orders/search")
CREATE_ORDER = Endpoint("create_order", "POST", "/resellers/v6/orders")
CREATE_ORDER_V7 = Endpoint("create_order_v7", "POST", "/resellers/v7/orders")
# Modify and release share the endpoint (and so its rate limit).
MODIFY_ORDER = Endpoint("modify_order", "PUT", "/resellers/v6/orders/{}")
CANCEL_ORDER = Endpoint("cancel_order", "DELETE", "/resellers/v6/orders/{}")
VENDOR_REQUIRED_INFO = Endpoint(
    "get_vendor_required_info", "POST", "/resellers/v7/vendorrequiredinfo", reads_only=True
)

#: Every endpoint by name, the token endpoint included.
ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        TOKEN,
        GET_ORDER,
        SEARCH_ORDERS,
        CREATE_ORDER,
        CREATE_ORDER_V7,
        MODIFY_ORDER,
        CANCEL_ORDER,
        VENDOR_REQUIRED_INFO,
    )
}
