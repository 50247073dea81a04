"""Hostile strings cannot stall the sanitizer: every pattern stays linear on 200 KB inputs.

Each input once took minutes through one regex (found by timing the patterns on adversarial
strings): ``split_url`` on ``//aaa…a x``, the URL-userinfo and URL-credential scheme searches on
long letter runs, the cued user id on ``user-user-…``, JWT on ``eyJeyJ…``, PEM on repeated
BEGIN lines. An event may be 1 MiB and browser DSN keys are public, so each would let anyone
hold a worker. A generous alarm turns a regression into a failure instead of a hung suite.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest

from connectors.sentry_api import parse_link_header
from sanitizers import Sanitizer

N = 200_000
HOSTILE = {
    "url-split": "//" + "a" * N + " ",
    "url-userinfo": "a" * N + " x@example.com",
    "url-credentials": "a" * N + " ://@",
    "user-id": "user-" * (N // 5),
    "jwt": "eyJ" * (N // 3),
    "pem": "-----BEGIN AAA-----" * (N // 19),
    "link-like": "<" * N,
    "dsn-password": "db://u:" + "#" * N + " ",
    "print-r": "[a] => " + " " * N + "x",
    "multipart": "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + "x" * N,
    "selector": "input[name=\"a\"]" + "[value=\"" * (N // 8),
    "national-id-cue": "documento " * (N // 10),
    "address-cue": "address '" * (N // 9),
    "device-owner": "a" * N + "s-macbook",
    "sql-params": "UPDATE t SET " + "a = %s, " * (N // 8),
    "many-findings": "x@mail.example " * (N // 15),  # overlaps among thousands of spans, resolved in n log n
    "encoded-mailbox": "x%40" + "a." * (N // 2),
    "many-encoded-mailboxes": "jo%40mail.example " * (N // 18),
    # key and token starts a lookbehind refuses, each a run the core's engine would read again
    "api-key-starts": "Aglpat-" * (N // 7),
    "slack-key-starts": "Axoxb-" * (N // 6),
    "github-key-starts": "Agithub_pat_" * (N // 12),
    "jwt-starts": "AeyJ" * (N // 4) + ".eyJabcd.x",
    "user-id-digits": "user-1-" * (N // 7),  # a run of id characters counted at every place
}


@pytest.fixture(scope="module")
def sanitizer() -> Sanitizer:
    return Sanitizer(key=b"redos")


class TooSlow(BaseException):
    """Not an Exception: the sanitizer fails closed on those, which would hide the timeout."""


@contextmanager
def deadline(seconds: float = 20):
    """A regression to quadratic time fails here instead of hanging the suite."""
    def too_slow(signum, frame):
        raise TooSlow(f"one hostile string took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_strings_are_sanitized_in_linear_time(sanitizer: Sanitizer, text: str) -> None:
    with deadline():
        result = sanitizer.sanitize({"message": text, "extra": {"value": text},
                                     "breadcrumbs": {"values": [{"data": {"url": text}}]}})
    assert result.event is not None or result.blocked


def test_a_link_header_of_angle_brackets_parses_in_linear_time() -> None:
    with deadline():
        assert parse_link_header("<" * N) == {}
