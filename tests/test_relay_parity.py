"""Every value Sentry Relay's default data scrubbing replaces, ours replaces too (issue 3).

Relay (PyPI ``sentry-relay``, ``pii_strip_event``) runs on each shared fixture in the stored-event
schema with the config Sentry builds for a project with "data scrubber", "default scrubbers" and
"scrub IP addresses" on. Relay also *normalizes* while it scrubs (timestamps become numbers, UUIDs
lower case, unknown fields go), so a changed leaf alone does not mean "scrubbed": the ``_meta``
remark Relay leaves on each scrubbed value does. Leaf by leaf, every string Relay remarked must be
changed in our output too, unless it already was a placeholder.

Two kinds of values are deliberately kept, and pinned below so the list cannot grow unnoticed:
loopback addresses (127.0.0.1, ::1 name no one, and a Host header of a local request must stay
local to replay) and values that merely *name* a credential (``'secret_key'``, which Relay's
legacy password rule filters as a value; a setting's name is what the bug report needs).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sentry_relay.processing import convert_datascrubbing_config, pii_strip_event

from connectors import normalize_event
from sanitizers import Sanitizer
from sanitizers.fakes import is_placeholder

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "sentry"
EVENT_FILES = [p for p in sorted(FIXTURES.glob("*/*.json")) if "issue-created" not in p.name]
RELAY_DEFAULTS = {"scrubData": True, "scrubDefaults": True, "scrubIpAddresses": True,
                  "sensitiveFields": [], "excludeFields": []}
CREDENTIAL_NAME = re.compile(r"(?i)'?\w*(?:password|secret|passwd|api_?key|credentials|private_?key)\w*'?")
EXPECTED_KEPT = {
    ("aspnetcore.json", "request.env.REMOTE_ADDR"), ("aspnetcore.json", "request.headers.12.1"),
    ("aspnetcore.json", "user.ip_address"), ("generic-event.json", "request.headers.4.1"),
    ("generic-event.json", "user.ip_address"), ("java.json", "request.env.LOCAL_ADDR"),
    ("java.json", "request.env.REMOTE_ADDR"), ("java.json", "user.ip_address"),
    ("javascript.json", "user.ip_address"), ("python-formdata.json", "request.env.SERVER_NAME"),
    ("python-formdata.json", "request.headers.4.1"), ("python-omittedbody.json", "request.env.SERVER_NAME"),
    ("python-omittedbody.json", "request.headers.5.1"), ("python-rawbody.json", "request.env.SERVER_NAME"),
    ("python-rawbody.json", "request.headers.5.1"), ("python.json", "stacktrace.frames.3.vars.'k'"),
}


@pytest.fixture(scope="module")
def relay_config() -> dict[str, Any]:
    return convert_datascrubbing_config(RELAY_DEFAULTS)


@pytest.fixture(scope="module")
def sanitizer() -> Sanitizer:
    return Sanitizer(key=b"test-key")


def remarked_paths(meta: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths of the values a ``_meta`` tree says were changed (the ``rem`` of Relay's remarks)."""
    if not isinstance(meta, dict):
        return
    for key, value in meta.items():
        if key == "" and isinstance(value, dict) and value.get("rem"):
            yield path
        elif key != "":
            yield from remarked_paths(value, path + (key,))


def lookup(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return None
    return node


def is_loopback(value: str) -> bool:
    host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def relay_scrubbed(event: dict[str, Any], config: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """(path, original string) of every value Relay scrubbed, minus remarks the input already had."""
    already = set(remarked_paths(event.get("_meta")))
    scrubbed = pii_strip_event(config, event)
    out = []
    for path in remarked_paths(scrubbed.get("_meta")):
        original = lookup(event, path)
        if path not in already and isinstance(original, str) and not is_placeholder(original):
            out.append((path, original))
    return out


def deliberately_kept(original: str) -> bool:
    return is_loopback(original) or bool(CREDENTIAL_NAME.fullmatch(original))


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_every_value_relay_scrubs_is_replaced_by_ours(relay_config, sanitizer, path):
    event = normalize_event(json.loads(path.read_text()))
    result = sanitizer.sanitize(event)
    assert not result.blocked, result.leaks
    for value_path, original in relay_scrubbed(event, relay_config):
        if not deliberately_kept(original):
            assert lookup(result.event, value_path) != original, f"Relay scrubs {'.'.join(value_path)}, ours kept it"


def test_relay_scrubs_values_in_the_fixtures_at_all(relay_config):
    compared = [p for path in EVENT_FILES for p in relay_scrubbed(normalize_event(json.loads(path.read_text())), relay_config)]
    assert len(compared) >= 20


def test_ours_keeps_only_loopback_addresses_and_credential_names_that_relay_scrubs(relay_config, sanitizer):
    kept = set()
    for path in EVENT_FILES:
        event = normalize_event(json.loads(path.read_text()))
        ours = sanitizer.sanitize(event).event
        kept |= {(path.name, ".".join(value_path)) for value_path, original in relay_scrubbed(event, relay_config)
                 if lookup(ours, value_path) == original}
    assert kept == EXPECTED_KEPT
