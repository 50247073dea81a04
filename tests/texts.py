"""Every distinct string of Sentry's shared fixtures and of a generated corpus: the inputs the
differential tests hold a fast path to its slow twin on."""

from __future__ import annotations

import json
from pathlib import Path

from bench import corpus

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


def sample_texts(events: int, seed: int) -> list[str]:
    found: set[str] = set()
    for path in FIXTURES.rglob("*.json"):
        found.update(corpus.strings_in(json.loads(path.read_text())))
    for event, _ in corpus.generate(events, seed=seed):
        found.update(corpus.strings_in(event))
    return sorted(found)
