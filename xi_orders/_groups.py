"""Task-group failures as the caller expects them: one exception, never an ``ExceptionGroup``.

anyio's task groups raise a ``BaseExceptionGroup`` for any failure of their tasks (or of the
body they wrap). The README promises ``XiError`` (and the caller's own exceptions as they
were raised), and Python 3.10, which we support, has no ``except*`` to take a group apart.
So where a task group of ours ends, its group is turned back into the one exception that
matters (:func:`single`); the others it held are attached to it as notes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["group_class", "members", "single"]


def group_class(exc: BaseException) -> Any:
    """``BaseExceptionGroup`` when ``exc`` is a group (the builtin on 3.11+, the
    ``exceptiongroup`` backport on 3.10), else None."""
    return next((c for c in type(exc).__mro__ if c.__name__ == "BaseExceptionGroup"), None)


def members(exc: BaseException) -> list[BaseException]:
    """The exceptions of a group, none for any other exception."""
    if group_class(exc) is None:
        return []
    return [e for e in getattr(exc, "exceptions", ()) if isinstance(e, BaseException)]


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions a (possibly nested) group holds, in order; ``[exc]`` for any other."""
    if group_class(exc) is None:
        return [exc]
    return [leaf for member in members(exc) for leaf in _leaves(member)]


def single(exc: BaseException, *, own: BaseException | None = None) -> BaseException:
    """The one exception to raise for ``exc``: itself unless it is a group; for a group, the
    caller's ``own`` exception when the group holds it, else the first that is not a plain
    ``Exception`` (``KeyboardInterrupt``, ``SystemExit``, a cancellation), else the first
    failure. Every other failure of the group is added to its notes (``__notes__``, which
    tracebacks show, on 3.10 too through the ``exceptiongroup`` backport).

    Raise the result outside the ``except`` block that caught the group, so that its own
    ``__context__`` (and ``__cause__``) stay what they were::

        try:
            async with anyio.create_task_group() as tg:
                ...
        except BaseException as exc:
            error = single(exc)
            if error is exc:
                raise
        else:
            error = None
        if error is not None:
            raise error
    """
    leaves = _leaves(exc)
    if len(leaves) == 1 and leaves[0] is exc:
        return exc
    if own is not None and any(leaf is own for leaf in leaves):
        chosen = own
    else:
        chosen = next((e for e in leaves if not isinstance(e, Exception)), leaves[0])
    notes = [
        f"also raised in the same task group: {type(e).__name__}: {e}"
        for e in leaves
        if e is not chosen
    ]
    if notes:
        existing = getattr(chosen, "__notes__", None)
        if not isinstance(existing, list):
            existing = []
            try:
                chosen.__notes__ = existing  # type: ignore[attr-defined]
            except AttributeError:  # pragma: no cover - an exception without a __dict__
                return chosen
        existing.extend(notes)
    return chosen
