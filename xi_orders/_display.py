"""How results show themselves in a notebook or IPython, without importing presentation.

The models, errors and containers inherit :class:`Display`: their ``_repr_html_`` (Jupyter's
rich display) and ``_repr_pretty_`` (IPython's text display) look up the presentation layer
(``xi_orders.tabular``) by name when first shown, so ``import xi_orders`` never loads it and
nothing patches a class. A leaf: it imports nothing of the package.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

_PRESENTATION = "xi_orders.tabular._display"


def _presentation() -> ModuleType:
    return importlib.import_module(_PRESENTATION)


class Display:
    """Shown by ``xi_orders.tabular`` in notebooks and IPython: bounded HTML and text."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # IPython takes the first class in the MRO with its own ``__repr__`` or
        # ``_repr_pretty_``; an attrs class has its own ``__repr__``, so each subclass
        # names the text display itself.
        if "_repr_pretty_" not in cls.__dict__:
            cls._repr_pretty_ = Display._repr_pretty_  # type: ignore[method-assign]

    def _repr_html_(self) -> str:
        html: str = _presentation().html(self)
        return html

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(_presentation().text(self))


class ShortRepr(Display):
    """A container whose ``repr`` is one short line (its items' reprs run to megabytes)."""

    __slots__ = ()

    def __repr__(self) -> str:
        text: str = _presentation().short(self)
        return text
