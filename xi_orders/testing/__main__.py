"""``python -m xi_orders.testing``: run the sandbox as a localhost HTTP server."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from ._options import keys, log_limit, options, setup_lines
from ._sandbox import Sandbox
from ._types import Faults, Realism


def _latency(text: str) -> float | tuple[float, float]:
    if "," in text:
        lo, hi = (float(x) for x in text.split(",", 1))
        return (lo, hi)
    return float(text)


def build_parser() -> argparse.ArgumentParser:
    """The command line of the sandbox server."""
    p = argparse.ArgumentParser(
        prog="python -m xi_orders.testing",
        description="Serve an offline emulator of Ingram Micro's Reseller Orders API over HTTP.",
        epilog=f"--fault keys (with defaults): {keys(Faults)}. "
        f"--realism keys (with defaults): {keys(Realism)}.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (0: any free port; default 8080)")
    p.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    p.add_argument("--orders", type=int, default=100, help="orders to seed (default 100)")
    p.add_argument(
        "--customer-number",
        action="append",
        dest="customer_numbers",
        help="accepted IM-CustomerNumber (repeatable; default 20-222222)",
    )
    p.add_argument("--country-code", default="US", help="accepted IM-CountryCode (default US)")
    p.add_argument("--client-id", default=None, help="accepted client ID")
    p.add_argument("--client-secret", default=None, help="accepted client secret")
    p.add_argument(
        "--latency",
        type=_latency,
        default=0.0,
        help="seconds added to each answer: 0.05, or a range 0.01,0.2",
    )
    p.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="calls per window per endpoint (default: no limit)",
    )
    p.add_argument("--rate-window", type=float, default=60.0, help="rate-limit window, seconds")
    p.add_argument("--token-ttl", type=int, default=86399, help="token lifetime, seconds")
    for name in (
        "server-error",
        "rate-limited",
        "drop-before",
        "drop-after",
        "html",
        "truncated-json",
        "empty-body",
        "slow",
    ):
        p.add_argument(
            f"--fault-{name}",
            type=float,
            default=0.0,
            metavar="RATE",
            help=f"rate (0..1) of '{name}' faults",
        )
    p.add_argument("--slow-seconds", type=float, default=3.0, help="delay of a slow answer")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="any fault of xi_orders.testing.Faults, e.g. act_then_502=0.1, and "
        "endpoints=create_order,get_order to limit them (repeatable; keys below)",
    )
    p.add_argument(
        "--realism",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a quirk of the real API (xi_orders.testing.Realism), e.g. search_page_size=25 "
        "or status_spelling=mixed (repeatable; keys below)",
    )
    p.add_argument(
        "--search-lag",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="a new order shows up in search this much later (by number at once; default 0)",
    )
    p.add_argument(
        "--request-log-limit",
        default="10000",
        metavar="N|none",
        help="keep the last N requests in the log (default 10000; none: all, which grows "
        "without bound); the counters count every request",
    )
    p.add_argument("--webhook-url", default=None, help="POST webhook events to this URL")
    p.add_argument("--webhook-secret", default=None, help="key of the X-Hub-Signature HMAC")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        faults = options(
            Faults,
            args.fault,
            server_error=args.fault_server_error,
            rate_limit=args.fault_rate_limited,
            drop_before=args.fault_drop_before,
            drop_after=args.fault_drop_after,
            html=args.fault_html,
            truncated_json=args.fault_truncated_json,
            empty_body=args.fault_empty_body,
            slow=args.fault_slow,
            slow_seconds=args.slow_seconds,
        )
        realism = options(Realism, args.realism)
        request_log_limit = log_limit(args.request_log_limit)
        if args.search_lag < 0:
            raise ValueError("--search-lag must be >= 0")
    except ValueError as exc:
        parser.error(str(exc))
    kwargs: dict[str, object] = {}
    if args.client_id:
        kwargs["client_id"] = args.client_id
    if args.client_secret:
        kwargs["client_secret"] = args.client_secret
    if args.webhook_secret:
        kwargs["webhook_secret"] = args.webhook_secret
    sandbox = Sandbox(
        args.seed,
        args.orders,
        customer_numbers=args.customer_numbers or ("20-222222",),
        country_code=args.country_code,
        latency=args.latency,
        rate_limit=args.rate_limit,
        rate_limit_window=args.rate_window,
        token_ttl=args.token_ttl,
        faults=faults if faults != Faults() else None,
        realism=realism,
        search_lag=args.search_lag,
        webhook_target=args.webhook_url,
        request_log_limit=request_log_limit,
        **kwargs,  # type: ignore[arg-type]
    )
    with sandbox.serve(args.host, args.port, verbose=args.verbose) as url:
        print(f"xi_orders sandbox listening on {url}", flush=True)
        print(f"  token:          POST {url}/oauth/oauth30/token", flush=True)
        print(f"  client_id:      {sandbox.client_id}", flush=True)
        print(f"  client_secret:  {sandbox.client_secret}", flush=True)
        print(
            f"  customers:      {', '.join(sandbox.customer_numbers)} ({sandbox.country_code})",
            flush=True,
        )
        print(
            f"  sample order:   {url}/resellers/v6.1/orders/{(sandbox.order_numbers() or ['-'])[0]}",
            flush=True,
        )
        setup = setup_lines(faults, realism, args.search_lag)
        if setup:
            print(f"  set up:         {'; '.join(setup)}", flush=True)
        limit = sandbox.request_log_limit
        print(
            f"  request log:    {'every request' if limit is None else f'the last {limit}'}",
            flush=True,
        )
        print("Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
