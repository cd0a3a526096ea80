"""Access to Ingram Micro's official OpenAPI spec, shipped with the tests as data.

The spec lives in ``tests/data/spec/`` (see the README there for its provenance and
licence); ``$XI_SPEC_PATH`` points the tests at another copy. A missing or unreadable spec
is an error in every test that needs it, never a skip: a suite that silently drops a
sixth of its tests looks green and checks less.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[1]
BUNDLED_SPEC = REPO / "tests" / "data" / "spec" / "XI-Resellers-API-Spec.json"
#: The YAML form of the same spec (same upstream commit): the only one with Vendor Required
#: Info and the cloud-subscription fields of the v7 create request.
BUNDLED_YAML_SPEC = BUNDLED_SPEC.with_suffix(".yaml")


class SpecNotFound(RuntimeError):
    """The spec the tests need is not where they look for it (an error, never a skip)."""


def spec_path() -> Path:
    """Where the spec is read from: ``$XI_SPEC_PATH`` when set, else the bundled copy."""
    override = os.environ.get("XI_SPEC_PATH")
    return Path(override) if override else BUNDLED_SPEC


SPEC_PATH = spec_path()


def read_spec(path: Path) -> dict[str, Any]:
    """The parsed spec at ``path``; raises ``SpecNotFound`` when it is absent or not JSON."""
    try:
        with path.open(encoding="utf-8") as fh:
            spec = json.load(fh)
    except (OSError, ValueError) as exc:
        raise SpecNotFound(
            f"Ingram Micro's OpenAPI spec could not be read at {path} ({exc}); the repository "
            "ships it at tests/data/spec/ (XI_SPEC_PATH overrides that path)"
        ) from exc
    if not isinstance(spec, dict) or "paths" not in spec:
        raise SpecNotFound(f"{path} is not an OpenAPI document (no 'paths')")
    return spec


@cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (cached); raises ``SpecNotFound`` where it is absent."""
    return read_spec(SPEC_PATH)


def yaml_spec_path() -> Path:
    """Where the YAML spec is read from: ``$XI_YAML_SPEC_PATH`` when set, else the bundled copy."""
    override = os.environ.get("XI_YAML_SPEC_PATH")
    return Path(override) if override else BUNDLED_YAML_SPEC


def read_yaml_spec(path: Path) -> dict[str, Any]:
    """The parsed YAML spec at ``path``; raises ``SpecNotFound`` when absent or unreadable."""
    import yaml  # the dev extra's PyYAML; only the YAML spec tests need it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as fh:
            spec = yaml.load(fh, Loader=loader)  # a safe loader (C or pure Python)
    except (OSError, yaml.YAMLError) as exc:
        raise SpecNotFound(
            f"Ingram Micro's OpenAPI spec (YAML) could not be read at {path} ({exc}); the "
            "repository ships it at tests/data/spec/ (XI_YAML_SPEC_PATH overrides that path)"
        ) from exc
    if not isinstance(spec, dict) or "paths" not in spec:
        raise SpecNotFound(f"{path} is not an OpenAPI document (no 'paths')")
    return spec


@cache
def load_yaml_spec() -> dict[str, Any]:
    """The parsed YAML spec (cached); raises ``SpecNotFound`` where it is absent."""
    return read_yaml_spec(yaml_spec_path())


def require_spec() -> dict[str, Any]:
    """The parsed spec; the calling test fails (``SpecNotFound``) where it is absent."""
    return load_spec()


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
