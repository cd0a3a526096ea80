"""Reading the command line's input files (order numbers, CSV, ``--env-file``, request JSON)
as spreadsheet users' files arrive: UTF-8 with or without a BOM (Excel's "CSV UTF-8", Notepad),
UTF-16 with a BOM (Windows PowerShell 5's ``>``), CRLF line ends. Every command reads its
files through :func:`read_text`; anything else is refused naming the file and the byte.

Imports nothing from the CLI or the SDK.
"""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

#: byte order marks and the encoding each announces (UTF-32 is not among them: no
#: spreadsheet or shell writes it, and its BOM starts like UTF-16's)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HINT = "save it as UTF-8 (or UTF-16 with a BOM)"


class InputFileError(Exception):
    """An input file cannot be read or is not text it can decode (a usage error: exit 2).
    The message names the file and, for bytes it cannot decode, their offset."""


def decode(data: bytes, name: str) -> str:
    """``data`` as text: UTF-8, UTF-8 or UTF-16 after a BOM (the BOM dropped).

    Raises ``InputFileError`` naming ``name`` and the offset of the first byte (counted from
    the start of the file, BOM included) that cannot be decoded. A NUL byte is refused too:
    it is what UTF-16 without a BOM looks like, and no order number or setting holds one.

    >>> decode(b"\\xef\\xbb\\xbf20-RD3QV\\r\\n", "numbers.txt")
    '20-RD3QV\\r\\n'
    >>> decode("20-RD3QV".encode("utf-16"), "numbers.txt")
    '20-RD3QV'
    """
    encoding, skip = "utf-8", 0
    for bom, announced in _BOMS:
        if data.startswith(bom):
            encoding, skip = announced, len(bom)
            break
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        shown = data[offset : offset + min(4, exc.end - exc.start)].hex(" ")
        what = "UTF-8" if encoding == "utf-8" else "UTF-16 (as its BOM says)"
        raise InputFileError(
            f"{name}: not {what} text: byte {offset} ({shown}) cannot be decoded "
            f"({exc.reason}); {_HINT}"
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        offset = skip + len(text[:nul].encode(encoding))
        raise InputFileError(
            f"{name}: byte {offset} is a NUL (UTF-16 without a BOM, or not a text file); {_HINT}"
        )
    return text


def read_text(source: str, *, label: str | None = None) -> str:
    """The text of the file ``source`` (``-``: stdin), decoded by :func:`decode`.

    ``label`` is how messages name the file (default: its path, or ``stdin``). Line ends
    are left as they are (``str.splitlines`` and JSON take CRLF); an ``OSError`` or an
    undecodable byte raises ``InputFileError``.
    """
    name = label or ("stdin" if source == "-" else source)
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:  # a text stream put in place of stdin (tests, notebooks)
                return sys.stdin.read()
            data = stream.read()
        else:
            data = Path(source).read_bytes()
    except OSError as exc:
        raise InputFileError(f"{name}: {exc.strerror or exc}") from None
    return decode(data, name)
