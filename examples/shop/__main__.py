"""Command line: ``python -m examples.shop --port 0 --role production|qa ...``.

Why a CLI: tests and the demo run production and QA as separate processes,
like real deployments.  Prints exactly one line, ``listening on URL``, once the
socket is bound (so a parent can read the port when ``--port 0``), and exits 0
on SIGTERM/SIGINT after closing the socket and flushing Sentry.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Optional, Sequence

import sentry_sdk

from .app import DEFAULT_FLAGS, DEFAULT_RELEASE, VARIANTS, create_app, init_sentry, serve_in_thread
from .bugs import BUGS

_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}


def _flag(text: str) -> tuple[str, bool]:
    """Parse ``name=on|off`` for ``--flag``."""
    name, sep, value = text.partition("=")
    if not sep or not name or value.lower() not in _SWITCH:
        raise argparse.ArgumentTypeError(f"expected NAME=on|off, got {text!r}")
    return name, _SWITCH[value.lower()]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m examples.shop", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--role", choices=("production", "qa"), default="production",
                        help="reported as the environment (manifest and Sentry)")
    parser.add_argument("--release", default=DEFAULT_RELEASE)
    parser.add_argument("--flag", type=_flag, action="append", default=[], metavar="NAME=on|off",
                        help=f"override a feature flag (defaults: {DEFAULT_FLAGS})")
    parser.add_argument("--fixed", action="append", default=[], choices=sorted(BUGS),
                        metavar="BUG", help=f"mark a planted bug fixed: {', '.join(BUGS)}")
    parser.add_argument("--variant", choices=VARIANTS)
    parser.add_argument("--request-log", metavar="FILE", help="append every request as JSONL")
    parser.add_argument("--sentry-dsn", metavar="DSN", help="report errors to this DSN")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    app = create_app(
        release=args.release,
        flags={**DEFAULT_FLAGS, **dict(args.flag)},
        fixed=args.fixed,
        request_log=args.request_log,
        variant=args.variant,
        environment=args.role,
    )
    if args.sentry_dsn:
        init_sentry(dsn=args.sentry_dsn, release=args.release, environment=args.role)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    base_url, shutdown = serve_in_thread(app, host=args.host, port=args.port)
    print(f"listening on {base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        shutdown()
        if args.sentry_dsn:
            sentry_sdk.flush(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
