"""The displays of what a search or a bulk lookup will fetch, before it runs."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from .. import _search
from ..bulk import BulkLookup
from ..pagination import AsyncPaginator
from ._format import _facts_html, _numbers_preview

_JOINED = {"-bt": " to ", "_bt": " to "}
#: the search_orders argument each query parameter came from
_ARGUMENTS = {
    **{wire: name for name, (wire, _) in _search._TEXT.items()},
    **{wire: name for name, wire in _search._RANGES.items()},
    "orderStatus": "order_status",
    "orderStatus-in": "order_statuses",
    "ingramOrderDate": "ingram_order_date",
}


def _query(paginator: AsyncPaginator[Any]) -> list[tuple[str, str]]:
    """The search's filters by their ``search_orders`` argument names (repeated keys joined),
    the page size left out."""
    params: Sequence[tuple[str, str]] = paginator.query
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if key not in ("pageSize", "pageNumber"):
            grouped.setdefault(key, []).append(value)
    joiner = {
        key: next((j for s, j in _JOINED.items() if key.endswith(s)), ", ") for key in grouped
    }
    return [(_ARGUMENTS.get(key, key), joiner[key].join(vs)) for key, vs in grouped.items()]


def _paginator_facts(paginator: AsyncPaginator[Any]) -> list[tuple[str, str]]:
    limit = paginator._limit
    facts = [
        ("page size", f"{paginator._page_size} (the server may answer fewer)"),
        ("limit", f"{limit:,} orders" if limit is not None else "none: every match"),
    ]
    if paginator._prefetch > 1:
        facts.append(("prefetch", f"{paginator._prefetch} pages at a time"))
    if paginator._strict:
        facts.append(("strict", "pages that do not add up raise PaginationError"))
    return facts


def _paginator_repr(paginator: AsyncPaginator[Any], name: str) -> str:
    query = _query(paginator)
    filters = "; ".join(f"{k}={v}" for k, v in query) or "no filters: every order"
    settings = ", ".join(f"{k} {v.split(' (')[0]}" for k, v in _paginator_facts(paginator))
    return f"<{name}: order search, {filters}; {settings}; not fetched until iterated>"


def _paginator_html(paginator: AsyncPaginator[Any], name: str, how: str) -> str:
    query = _query(paginator)
    filters = _facts_html(query) if query else "<p>No filters: every order.</p>"
    return (
        f"<div><strong>{html.escape(name)}</strong>: an order search, nothing fetched yet "
        f"({html.escape(how)}).{filters}{_facts_html(_paginator_facts(paginator))}</div>"
    )


def _bulk_lookup_facts(lookup: BulkLookup) -> list[tuple[str, str]]:
    return [
        ("orders", f"{len(lookup.numbers):,}: {_numbers_preview(lookup.numbers, 5)}"),
        ("concurrency", str(lookup._concurrency)),
        ("progress bar", "yes" if lookup._progress else "no"),
    ]


def _bulk_lookup_repr(lookup: BulkLookup, name: str) -> str:
    return (
        f"<{name}: {len(lookup.numbers):,} orders ({_numbers_preview(lookup.numbers)}), "
        f"concurrency {lookup._concurrency}; not started: collect() or iterate it>"
    )


def _bulk_lookup_html(lookup: BulkLookup, name: str, how: str) -> str:
    return (
        f"<div><strong>{html.escape(name)}</strong>: order lookups, not started "
        f"({html.escape(how)}).{_facts_html(_bulk_lookup_facts(lookup))}</div>"
    )
