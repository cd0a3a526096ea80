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
"""

from __future__ import annotations

import logging
import os
import sys

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_done = False


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
