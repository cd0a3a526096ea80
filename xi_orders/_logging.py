"""``XI_LOG``: turn on the ``xi_orders`` logger from the environment (openai's ``OPENAI_LOG``).

``XI_LOG=debug`` logs every HTTP exchange (method, path, status, time, correlation ID,
attempt) and token request; ``XI_LOG=info`` logs what deserves attention: retries, waits
for a 429, reconciled creates. The variable is read once, when the first client is built;
it adds a stderr handler to the ``xi_orders`` logger unless that logger already has one
(your own configuration wins), and sets the logger's level. Any other value is ignored.

Records carry structured fields as ``extra=`` attributes, so a JSON formatter (e.g.
``python-json-logger``) gets them as keys: ``correlation_id``, ``endpoint``, ``method``,
``path`` (the URL path, no query), ``status`` (an HTTP status, or an exception's class
name), ``attempt``, ``elapsed`` (seconds). Never a token, a secret or a header value.

Every record of the package's loggers has the control characters of its message and
string arguments escaped (:class:`EscapeControls`, on each of :data:`LOGGERS`, whatever
handler or formatter prints it): an order number or error text a server sent cannot forge
a log line (CR/LF) or repaint a terminal (ANSI escapes).
"""

from __future__ import annotations

import logging
import os
import sys

from ._escape import printable

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_done = False

#: Every logger the package logs to (tests/test_control_characters.py checks the source).
LOGGERS = ("xi_orders", "xi_orders.client", "xi_orders.pagination", "xi_orders.webhooks")


def _printable_arg(value: object) -> object:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, BaseException):  # str() of a non-XiError is not escaped
        return printable(str(value))
    return value  # numbers keep their %d / %.2f formatting


class EscapeControls(logging.Filter):
    """Escapes the control characters of a record's message and arguments (in place, so
    every handler sees the escaped text); structured ``extra`` fields are ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = printable(record.msg)
        elif isinstance(record.msg, BaseException):
            record.msg = printable(str(record.msg))
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_printable_arg(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: _printable_arg(v) for k, v in args.items()}
        return True


_ESCAPE = EscapeControls()
for _name in LOGGERS:
    _logger = logging.getLogger(_name)
    if _ESCAPE not in _logger.filters:
        _logger.addFilter(_ESCAPE)


def setup_from_env() -> None:
    """Apply ``XI_LOG`` (once per process)."""
    global _done
    if _done:
        return
    _done = True
    level = _LEVELS.get(os.environ.get("XI_LOG", "").strip().lower())
    if level is None:
        return
    logger = logging.getLogger("xi_orders")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s")
        )
        logger.addHandler(handler)
    logger.setLevel(level)
