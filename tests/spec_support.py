"""Access to Ingram Micro's official OpenAPI spec, which lives beside the repo.

The spec is never copied into this repository: tests read it from ``../shared/spec/`` (or
``$XI_SPEC_PATH``) and skip, with the reason, where it is absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC_PATH = Path(
    os.environ.get("XI_SPEC_PATH", REPO.parent / "shared" / "spec" / "XI-Resellers-API-Spec.json")
)
SKIP_REASON = (
    f"Ingram Micro's OpenAPI spec not found at {SPEC_PATH} "
    "(set XI_SPEC_PATH, or place shared/spec/ beside the repo)"
)


@cache
def load_spec() -> dict[str, Any] | None:
    """The parsed spec, or None where it is absent."""
    if not SPEC_PATH.is_file():
        return None
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)  # type: ignore[no-any-return]


def require_spec() -> dict[str, Any]:
    """The parsed spec; skips the calling test where it is absent."""
    spec = load_spec()
    if spec is None:
        pytest.skip(SKIP_REASON)
    return spec


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (one level at a time, until the node is not a reference)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


class Operation(NamedTuple):
    operation_id: str
    method: str
    path: str
    body: dict[str, Any]


def orders_operations(spec: dict[str, Any]) -> Iterator[Operation]:
    """Every operation tagged ``Orders``."""
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and "Orders" in op.get("tags", []):
                yield Operation(op["operationId"], method.upper(), path, op)


class Example(NamedTuple):
    operation_id: str
    status: str | None  # None for request examples
    name: str
    value: Any
    schema: dict[str, Any] | None

    @property
    def id(self) -> str:
        where = f"{self.status}:" if self.status else ""
        return f"{self.operation_id}:{where}{self.name}"


def response_examples(spec: dict[str, Any]) -> list[Example]:
    """Every JSON response example of the Orders operations."""
    out = []
    for op in orders_operations(spec):
        for status, response in op.body.get("responses", {}).items():
            response = resolve(spec, response)
            for content in (response.get("content") or {}).values():
                schema = content.get("schema")
                for name, ex in (content.get("examples") or {}).items():
                    ex = resolve(spec, ex)
                    out.append(Example(op.operation_id, status, name, ex.get("value"), schema))
    return out


def request_examples(spec: dict[str, Any]) -> list[Example]:
    """Every JSON request-body example of the Orders operations."""
    out = []
    for op in orders_operations(spec):
        body = resolve(spec, op.body.get("requestBody") or {})
        for content in (body.get("content") or {}).values():
            schema = content.get("schema")
            for name, ex in (content.get("examples") or {}).items():
                ex = resolve(spec, ex)
                out.append(Example(op.operation_id, None, name, ex.get("value"), schema))
    return out
