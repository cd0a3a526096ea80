"""``xi-orders sandbox serve``: the offline emulator over HTTP until Ctrl-C or SIGTERM, and
the ``XI_*`` settings to reach it (printed, or written for ``--env-file``).

Imports ``xi_orders.testing`` only inside the command, never the SDK's client or models.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from ._args import add_command, at_least, fraction, json_flag, seconds
from ._output import dumps
from ._shell import EXIT_API, EXIT_OK, CliError, UsageError, echo


def sandbox_serve(
    host: str,
    port: int,
    orders: int,
    seed: int,
    latency: float,
    fault_rate: float,
    fault: list[str],
    realism: list[str],
    search_lag: float,
    rate_limit: int | None,
    request_log_limit: str,
    write_env: str | None,
    verbose: bool,
    as_json: bool,
) -> int:
    """Serve the sandbox over HTTP until Ctrl-C, and print the settings to use it.

    Every fault and quirk of the Python sandbox is here too (--fault, --realism); their
    keys, and webhooks: python -m xi_orders.testing --help


    Example (two terminals):
      xi-orders sandbox serve --port 8080 --orders 500 --write-env sandbox.env
      xi-orders --env-file sandbox.env search --since 30d

    Example: orders placed, then answered by a gateway's 502, and search 2 s behind:
      xi-orders sandbox serve --fault act_then_502=0.1 --fault endpoints=create_order \\
        --search-lag 2 --realism search_page_size=25
    """
    from ..testing import Faults, Realism, Sandbox
    from ..testing._options import changed, log_limit, options, setup_lines

    base = {"server_error": fault_rate * 2 / 3, "drop_before": fault_rate / 3} if fault_rate else {}
    try:
        faults = options(Faults, fault, **base)
        quirks = options(Realism, realism)
        log_size = log_limit(request_log_limit)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    box = Sandbox(
        seed,
        orders,
        latency=latency,
        faults=faults if faults != Faults() else None,
        realism=quirks,
        search_lag=search_lag,
        rate_limit=rate_limit,
        request_log_limit=log_size,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    # Both stop it cleanly (SIGINT too: a shell's background job starts with it ignored).
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with box.serve(host, port, verbose=verbose) as url:
            # Both URLs, so the settings stand on their own: with --env-file, an
            # XI_TOKEN_URL exported in the shell (production's) would otherwise still apply
            # and the sandbox's credentials would go to another token endpoint.
            env = {
                "XI_BASE_URL": url,
                "XI_TOKEN_URL": url + "/oauth/oauth30/token",
                "XI_CLIENT_ID": box.client_id,
                "XI_CLIENT_SECRET": box.client_secret,
                "XI_CUSTOMER_NUMBER": box.customer_number,
                "XI_COUNTRY_CODE": box.country_code,
            }
            # Without a server limit there is nothing to pace against.
            env["XI_RATE_LIMIT"] = str(rate_limit) if rate_limit else "off"
            if write_env:
                text = "".join(f"{k}={v}\n" for k, v in env.items())
                try:
                    with open(write_env, "w", encoding="utf-8") as handle:
                        handle.write("# xi-orders sandbox settings; use with --env-file\n" + text)
                except OSError as exc:
                    raise CliError(f"cannot write {write_env}: {exc.strerror or exc}") from None
            parts = list(box.catalog)[:3]
            sample = (box.order_numbers() or ["-"])[0]
            if as_json:
                echo(
                    dumps(
                        {
                            "url": url,
                            "orders": orders,
                            "seed": seed,
                            "env": env,
                            "sample_order": sample,
                            "parts": parts,
                            "faults": changed(faults),
                            "realism": changed(quirks),
                            "search_lag": search_lag,
                            "request_log_limit": log_size,
                        }
                    )
                )
            else:
                echo(f"xi_orders sandbox listening on {url} ({orders} orders, seed {seed})")
                if write_env:
                    echo(f"settings written to {write_env}: xi-orders --env-file {write_env} ...")
                echo("to use it from another shell:")
                for key, value in env.items():
                    echo(f"  export {key}={value}")
                echo(f"a sample order: {sample}; parts you can order: {', '.join(parts)}")
                setup = setup_lines(faults, quirks, search_lag)
                if setup:
                    echo("set up: " + "; ".join(setup))
                echo("Ctrl-C to stop.")
            sys.stdout.flush()
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise CliError(f"cannot serve on {host}:{port}: {exc.strerror or exc}", EXIT_API) from None
    if not as_json:
        echo("stopped", err=True)
    return EXIT_OK


def register(commands: Any) -> None:
    """The ``sandbox`` group and its ``serve`` command."""
    box_parser = commands.add_parser("sandbox", help="the offline emulator of the Orders API")
    box_commands = box_parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    p = add_command(box_commands, "serve", sandbox_serve, api=False)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument(
        "--port", type=at_least(0, 65535), default=8080, help="0: any free port (default 8080)"
    )
    p.add_argument("--orders", type=at_least(0), default=100, help="orders to seed (default 100)")
    p.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    p.add_argument("--latency", type=seconds, default=0.0, help="seconds added to each answer")
    p.add_argument(
        "--fault-rate",
        type=fraction,
        default=0.0,
        help="share of calls answered 500 or dropped, to watch the retries (e.g. 0.05)",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="one fault by kind, e.g. act_then_502=0.1; endpoints=create_order,... limits "
        "them to some endpoints (repeatable)",
    )
    p.add_argument(
        "--realism",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one quirk of the real API, e.g. search_page_size=25 (repeatable)",
    )
    p.add_argument(
        "--search-lag",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="a new order shows up in search this much later (by number at once; default 0)",
    )
    p.add_argument(
        "--rate-limit",
        type=at_least(1),
        default=None,
        help="enforce N calls per minute per endpoint, like the API (default: no limit)",
    )
    p.add_argument(
        "--request-log-limit",
        default="10000",
        metavar="N|none",
        help="keep the last N requests in the sandbox's log (default 10000; none: all)",
    )
    p.add_argument(
        "--write-env", metavar="FILE", help="write the XI_* settings to FILE for --env-file"
    )
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    json_flag(p, "print the settings as one JSON line instead of text")
