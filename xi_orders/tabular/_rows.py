"""Orders as flat rows and pandas DataFrames (stable dtypes)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import XiError
from ..models import OrderDetail, OrderLine, OrderSearchPage, OrderSummary
from ._format import Row, _error_text

Order = OrderSummary | OrderDetail


def _order_row(order: Order) -> Row:
    row: Row = {
        "ingram_order_number": order.ingram_order_number,
        "ingram_order_date": order.ingram_order_date,
        "customer_order_number": order.customer_order_number,
        "order_status": order.order_status,
        "order_total": order.order_total,
    }
    if isinstance(order, OrderDetail):
        row["currency_code"] = order.currency_code
        row["lines"] = len(order.lines)
        row["end_user"] = order.end_user_info.company_name if order.end_user_info else None
        row["tracking_numbers"] = ", ".join(order.tracking_numbers()) or None
    else:
        row["vendor_name"] = order.vendor_name
        row["end_user"] = order.end_user_company_name
        row["sub_orders"] = len(order.sub_orders)
    return row


#: The columns of a lookup's rows (``to_rows`` of a mapping): every row has all of them.
_LOOKUP_COLUMNS = [*_order_row(OrderDetail()), "error", "status_code", "correlation_id"]


def _lookup_row(number: str, result: Order | XiError) -> Row:
    row: Row = dict.fromkeys(_LOOKUP_COLUMNS)
    if isinstance(result, XiError):
        row.update(
            ingram_order_number=number,
            error=f"{type(result).__name__}: {_error_text(result)}",
            status_code=getattr(result, "status_code", None),
            correlation_id=result.correlation_id,
        )
    else:
        row.update(_order_row(result))
        response = getattr(result, "response", None)
        row["correlation_id"] = response.correlation_id if response is not None else None
    return row


def to_rows(
    orders: Iterable[Order] | Mapping[str, Order | XiError] | OrderSearchPage,
) -> list[Row]:
    """One flat dict per order: numbers, date, status, total and a few counts.

    Accepts search summaries, order details, a search page, or the mapping that
    ``get_orders(...).collect()`` returns. For a mapping every row has the same keys: a
    failed lookup fills ``error`` (its type and message), ``status_code`` and
    ``correlation_id``; a found order has ``error`` None and its call's correlation ID.
    """
    if isinstance(orders, OrderSearchPage):
        return [_order_row(o) for o in orders.orders]
    if isinstance(orders, Mapping):
        return [_lookup_row(number, result) for number, result in orders.items()]
    return [_order_row(o) for o in orders]


def lines_to_rows(order: OrderDetail) -> list[Row]:
    """One flat dict per line of ``order``."""
    return [_line_row(line) for line in order.lines]


def _line_row(line: OrderLine) -> Row:
    return {
        "line": line.ingram_order_line_number,
        "sub_order": line.sub_order_number,
        "status": line.line_status,
        "ingram_part_number": line.ingram_part_number,
        "vendor_part_number": line.vendor_part_number,
        "description": line.part_description,
        "quantity": line.quantity_ordered,
        "unit_price": line.unit_price,
        "extended_price": line.extended_price,
        "tracking_numbers": ", ".join(line.tracking_numbers()) or None,
    }


# pandas dtypes by column: the same whatever the values (all missing, some lookups failed)
_DTYPES = {
    "ingram_order_date": "datetime",
    "order_total": "float64",
    "lines": "Int64",
    "sub_orders": "Int64",
    "status_code": "Int64",
}


def to_dataframe(
    orders: Iterable[Order] | Mapping[str, Order | XiError] | OrderSearchPage,
) -> Any:
    """``to_rows(orders)`` as a ``pandas.DataFrame`` with stable dtypes.

    The dtypes do not depend on the values: ``ingram_order_date`` is ``datetime64[us, UTC]``
    (the API's dates carry several offsets), ``order_total`` float64 (the models keep the
    exact ``Decimal``), counts and ``status_code`` nullable ``Int64``, text columns
    ``string``. A bulk lookup's mapping always has the ``error``, ``status_code`` and
    ``correlation_id`` columns, whether or not a lookup failed.
    """
    try:
        pandas = importlib.import_module("pandas")
    except ImportError:
        raise ImportError(
            "to_dataframe needs pandas: pip install 'xi-orders[pandas]' (or use to_rows)"
        ) from None
    rows = to_rows(orders)
    if rows:
        columns = list(rows[0])
    elif isinstance(orders, Mapping):
        columns = list(_LOOKUP_COLUMNS)
    else:
        columns = []
    data: dict[str, Any] = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        kind = _DTYPES.get(column, "string")
        if kind == "datetime":
            dates = pandas.to_datetime(pandas.Series(values, dtype=object), utc=True)
            data[column] = dates.astype("datetime64[us, UTC]")  # also when all are missing
        elif kind == "float64":
            floats = [math.nan if v is None else float(v) for v in values]
            data[column] = pandas.Series(floats, dtype="float64")
        elif kind == "Int64":
            data[column] = pandas.Series(values, dtype="Int64")
        else:
            text = [None if v is None else str(v) for v in values]
            data[column] = pandas.Series(text, dtype="string")
    return pandas.DataFrame(data, columns=columns)
