"""Every value Sentry Relay's default data scrubbing replaces, ours replaces too (issue 3).

Relay (PyPI ``sentry-relay``, ``pii_strip_event``) runs on each shared fixture in the stored-event
schema with the config Sentry builds for a project with "data scrubber", "default scrubbers" and
"scrub IP addresses" on. Relay also *normalizes* while it scrubs (timestamps become numbers, UUIDs
lower case, unknown fields go), so a changed leaf alone does not mean "scrubbed": the ``_meta``
remark Relay leaves on each scrubbed value does. Leaf by leaf, every string Relay remarked must be
changed in our output too, unless it already was a placeholder.

Nothing is exempt: whole-value loopback addresses are faked within loopback (a local request stays local),
and a frame variable that merely names a credential (``'secret_key'``) is faked as Relay's
password rule filters it.
"""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_every_value_relay_scrubs_is_replaced_by_ours(relay_config, sanitizer, path):
    event = normalize_event(json.loads(path.read_text()))
    result = sanitizer.sanitize(event)
    assert not result.blocked, result.leaks
    for value_path, original in relay_scrubbed(event, relay_config):
        assert lookup(result.event, value_path) != original, f"Relay scrubs {'.'.join(value_path)}, ours kept it"


def test_relay_scrubs_values_in_the_fixtures_at_all(relay_config):
    compared = [p for path in EVENT_FILES for p in relay_scrubbed(normalize_event(json.loads(path.read_text())), relay_config)]
    assert len(compared) >= 20


# Shapes the fixtures lack, where Relay scrubs by its own defaults: a browser error whose page URL
# (with the visitor's e-mail) is in the mechanism's data and the trace's attributes, baggage, a
# Rails form's bracketed password field, an Authentication header.
CONSTRUCTED = {
    "browser-error": {
        "platform": "javascript", "user": {"email": "jo.example@example.org"},
        "request": {"url": "https://shop.example.com/confirm?email=jo.example%40example.org",
                    "headers": [["baggage", "sentry-trace_id=0123456789abcdef0123456789abcdef,user.email=jo.example%40example.org"]]},
        "contexts": {"trace": {"trace_id": "0123456789abcdef0123456789abcdef", "span_id": "0123456789abcdef",
                               "data": {"http.query": "email=jo.example@example.org&password=hunter2"}}},
        "exception": {"values": [{"type": "TypeError", "value": "x is undefined", "mechanism": {
            "type": "onerror", "handled": False, "description": "password=hunter2",
            "data": {"url": "https://shop.example.com/confirm?email=jo.example@example.org&password=hunter2"}}}]},
    },
    "rails-form": {
        "platform": "ruby",
        "request": {"method": "POST", "url": "https://shop.example.com/users/sign_in",
                    "data": {"user[email]": "jo.example@example.org", "user[password]": "Olga1987!"},
                    "headers": [["Authentication", "Bearer 0123456789abcdef0123456789abcdef"]]},
    },
}


@pytest.mark.parametrize("name", CONSTRUCTED)
def test_relay_scrubs_nothing_in_these_shapes_that_ours_keeps(relay_config, sanitizer, name):
    event = normalize_event(json.loads(json.dumps(CONSTRUCTED[name])))
    result = sanitizer.sanitize(event)
    assert not result.blocked, result.leaks
    scrubbed = relay_scrubbed(event, relay_config)
    assert scrubbed, "the shape must hold something Relay scrubs, or the test proves nothing"
    for value_path, original in scrubbed:
        assert lookup(result.event, value_path) != original, f"Relay scrubs {'.'.join(value_path)}, ours kept it"
