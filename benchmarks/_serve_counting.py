"""``python -m benchmarks._serve_counting ARGS``: the served sandbox (``python -m
xi_orders.testing ARGS``), counting the TCP connections it accepts.

Every ``socketserver`` server calls ``verify_request`` once per accepted connection; this
process patches it to count. A line ``count`` on stdin prints the number accepted so far
(``connections N``) on stdout, so a benchmark can read how many new connections a run
opened, server-side.
"""

from __future__ import annotations

import socketserver
import sys
import threading
from typing import Any

_accepted = 0
_lock = threading.Lock()
_verify = socketserver.BaseServer.verify_request


def _counting_verify(self: socketserver.BaseServer, request: Any, client_address: Any) -> bool:
    global _accepted
    with _lock:
        _accepted += 1
    return bool(_verify(self, request, client_address))


def _answer_counts() -> None:
    for line in sys.stdin:
        if line.strip() == "count":
            with _lock:
                n = _accepted
            print(f"connections {n}", flush=True)


def main() -> int:
    socketserver.BaseServer.verify_request = _counting_verify  # type: ignore[method-assign]
    threading.Thread(target=_answer_counts, daemon=True).start()
    from xi_orders.testing.__main__ import main as serve

    return serve(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
