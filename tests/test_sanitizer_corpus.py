"""Issue 3's targets, held on two seeded corpora of Sentry-shaped events as scored by
bench/score.py: zero leaked e-mails, cards, IBANs, IPs, SSNs and secrets; at most 0.5 % of all
planted personal values leaked; at least 99 % of technical values untouched. bench/corpus.py is
the corpus the detectors were developed on; bench/corpus_alt.py was written separately, with its
own shapes, wordings and locales, to catch detectors fitted to the first.

Bigger runs, by hand: see the usage at the top of bench/corpus.py and bench/score.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench import corpus, corpus_alt
from bench import score as scoring
from sanitizers import Sanitizer

EVENTS = 300
SEED = 314159


@pytest.fixture(scope="module", params=[corpus, corpus_alt], ids=["corpus", "corpus_alt"])
def sanitized(request: pytest.FixtureRequest) -> tuple[list[Any], dict[str, Any]]:
    """(sanitize results, score report); a blocked event is scored as emitting nothing."""
    generator = request.param
    events, entries = [], []
    for event, entry in generator.generate(EVENTS, SEED):
        events.append(event)
        entries.append(entry)
    sanitizer = Sanitizer(key=b"corpus-test-key")
    results = [sanitizer.sanitize(event) for event in events]
    report = scoring.score([{} if r.blocked else r.event for r in results], generator.truth_document(SEED, entries))
    return results, report


def test_no_event_of_the_corpus_is_blocked(sanitized):
    results, _ = sanitized
    assert [r.leaks for r in results if r.blocked] == []


@pytest.mark.parametrize("kind", sorted(scoring.ZERO_LEAK_KINDS))
def test_no_direct_identifier_or_credential_leaks(sanitized, kind):
    _, report = sanitized
    assert report["personal"][kind]["planted"] > 0
    assert report["personal"][kind]["leaked"] == 0, [e for e in report["leak_examples"] if e["kind"] == kind]


def test_at_most_half_a_percent_of_all_personal_values_leak(sanitized):
    _, report = sanitized
    assert report["overall"]["leak_rate"] <= scoring.MAX_OVERALL_LEAK_RATE, report["leak_examples"]


def test_at_least_99_percent_of_technical_values_are_kept(sanitized):
    _, report = sanitized
    assert report["overall"]["kept_rate"] >= scoring.MIN_KEPT_RATE, report["lost_examples"]


def test_every_technical_kind_is_kept_at_least_99_percent(sanitized):
    _, report = sanitized
    assert {kind: round(t["kept_rate"], 4) for kind, t in report["technical"].items() if t["kept_rate"] < 0.99} == {}


def test_the_mobile_corpus_leaks_no_direct_identifier_or_credential_and_keeps_technical_values():
    """bench/corpus_mobile.py (device and host names, DOM selectors, PHP/Ruby dumps, multipart):
    its overall leak rate is measured by hand (closing notes), its zero-leak kinds held here."""
    from bench import corpus_mobile

    events, entries = zip(*corpus_mobile.generate(200, SEED))
    sanitizer = Sanitizer(key=b"corpus-test-key")
    results = [sanitizer.sanitize(event) for event in events]
    report = scoring.score([{} if r.blocked else r.event for r in results],
                           corpus_mobile.truth_document(SEED, list(entries)))
    assert {kind: report["personal"][kind]["leaked"] for kind in scoring.ZERO_LEAK_KINDS
            if report["personal"].get(kind, {}).get("leaked")} == {}, report["leak_examples"]
    assert report["overall"]["kept_rate"] >= scoring.MIN_KEPT_RATE, report["lost_examples"]
