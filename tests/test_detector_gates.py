"""The cheap gates in front of detectors only skip work: with or without them, same spans.

Gates (a digit count, a street-word test, a birth-cue test) decide whether a detector's patterns
run at all; a gate that wrongly says "no" would be a silent leak. Each is checked against the
ungated detector on every string of a generated corpus and of the shared fixtures, and on
hypothesis-made texts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sanitizers.detectors as detectors
import sanitizers.names as names
from tests.texts import sample_texts

PIECES = ["192.0.2", ".7", "::1", "fe80:", "219-09-9999", "219099999", "SSN", "password=", "Token: ", "sid=",
          "<User: jdoe>", "logged in as ", "uname=", "cus_1a2B3c4D5e", "user #", "Kunde ", "\u212aey=",
          "12", "221B", " ", ", ", "\n", "Main", "Street", "St.", "st", "Rd", "c/", "ul.", "Długa", "Hauptstraße",
          "Kerkstraat", "Via", "Roma", "75002", "Paris", "DOB", "born on", "Geboren am", "né le", "1985-03-14",
          "14/03/1985", "bd", "5f3a9bd2", "R.", "Apt", "4", ":", "=", "Jane", "O'Neil", "SKU-YM66", "Dear ",
          "Mr. ", "ADDRESS '", "Adresse", "indirizzo: ", "geocoding \"", "ſt", "İndirizzo", "ıt"]
# (module, gate attribute, detector): the gate is replaced by "always yes" for the reference run
GATES = [(names, "_mentions_street", names.detect_address),
         (names, "_may_hold_words", names.detect_person),
         (names, "_may_hold_address_cue", names.detect_cued_address),
         (detectors, "_has_birth_cue", detectors.detect_date_of_birth),
         (detectors, "_may_hold_ip", detectors.detect_ip),
         (detectors, "_may_hold_ssn", detectors.detect_ssn),
         (detectors, "_may_hold_assignment", detectors.detect_secret_assignment),
         (detectors, "_may_hold_username", detectors.detect_username),
         (detectors, "_may_hold_user_id", detectors.detect_user_id)]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return sample_texts(300, seed=5)


def ungated(module: Any, gate: str, detect: Callable[[str], list], text: str, monkeypatch) -> list:
    with monkeypatch.context() as patched:
        patched.setattr(module, gate, lambda _text: True)
        return detect(text)


@pytest.mark.parametrize(("module", "gate", "detect"), GATES, ids=[g for _, g, _ in GATES])
def test_gates_change_no_result_on_corpus_and_fixtures(module, gate, detect, texts, monkeypatch):
    gated = [detect(text) for text in texts]
    reference = [ungated(module, gate, detect, text, monkeypatch) for text in texts]
    assert any(reference), "the corpus exercises the detector"
    assert [t for t, g, r in zip(texts, gated, reference) if g != r] == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10), st.sampled_from(range(len(GATES))))
def test_gates_change_no_result_on_made_up_texts(pieces, which):
    module, gate, detect = GATES[which]
    text = "".join(pieces)
    saved = getattr(module, gate)
    setattr(module, gate, lambda _text: True)
    try:
        reference = detect(text)
    finally:
        setattr(module, gate, saved)
    assert detect(text) == reference
