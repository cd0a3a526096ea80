"""Server text made safe to print: control characters escaped.

An error message, an order field or a log argument can hold whatever a server (or a broken
or hostile gateway in front of it) sent: ANSI escape sequences that repaint a terminal,
CR/LF that forge a log line, backspaces, bidirectional overrides that reorder what is shown.
:func:`printable` writes each such character as an escape (``\\x1b``, ``\\n``, ``\\u202e``),
as ``repr`` would, and leaves all other text as it is; the raw text stays where it was
received (an error's ``body``, ``api_message``, ``details``).
"""

from __future__ import annotations

import re

__all__ = ["printable"]

#: C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the
#: bidirectional embedding, override and isolate controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character escaped.

    Example::

        >>> printable("bad\\r\\n[INFO] forged \\x1b[2J")
        'bad\\\\r\\\\n[INFO] forged \\\\x1b[2J'
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escape, text)
