"""Our compiled runs of presidio's recognizers find exactly what presidio's ``analyze`` finds.

``sanitizers.detectors.CompiledRecognizer`` (and ``CompiledIban``) skip ``analyze``'s bookkeeping for speed, and run
the patterns it can in Rust's regex engine rather than Python's ``regex``; this holds
it to presidio's own answers, span for span, on every string of the shared Sentry fixtures, of a
generated corpus, and on hypothesis-made texts built from address-, mail- and id-like pieces.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanitizers.detectors import _compiled, _presidio
from tests.texts import sample_texts

ENTITIES = ("EMAIL_ADDRESS", "IP_ADDRESS", "US_SSN", "MAC_ADDRESS", "CRYPTO", "IBAN_CODE")
PIECES = ["jane.doe+x@example.com", "a@b", "x@y.co.uk", "10.0.0.1", "192.168.1.300", "::1", "fe80::1%eth0",
          "2001:db8::ff00:42:8329", "::ffff:10.1.2.3", "078-05-1120", "123-45-6789", "123456789",
          "00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
          "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", " ", ", ", "<", ">", "'", "=", "/", ":", "1.2", "v1.2.3.4",
          # where engines' word characters could differ: marks, joiners, letter numbers, case-folding letters
          "e\u0301", "\u200d", "\u200c", "\u203f", "\u0903", "\u2160", "\u00aa", "\u212a", "\u017f", "\u0130",
          "\u0660", "\u2460", "\u00b2", "\U0001d400", "\u00b7",
          "DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "NO9386011117947",
          " 2 days", "-", "DE89 3704"]


def presidio_spans(entity: str, text: str) -> set[tuple[int, int]]:
    return {(r.start, r.end) for r in _presidio(entity).analyze(text, [entity], None)}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return sample_texts(150, seed=99)


@pytest.mark.parametrize("entity", ENTITIES)
def test_same_spans_as_presidio_on_fixtures_and_corpus(entity: str, texts: list[str]) -> None:
    compiled = _compiled(entity)
    differ = [i for i, text in enumerate(texts) if set(compiled.spans(text)) != presidio_spans(entity, text)]
    assert not differ, f"{len(differ)} of {len(texts)} strings differ, first at index {differ[0]}"
    assert any(compiled.spans(text) for text in texts) or entity in ("MAC_ADDRESS", "CRYPTO")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8), st.sampled_from(ENTITIES))
def test_same_spans_as_presidio_on_made_up_texts(pieces: list[str], entity: str) -> None:
    text = "".join(pieces)
    assert set(_compiled(entity).spans(text)) == presidio_spans(entity, text)


IBAN_PIECES = ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "de89370400440532013000", "GB82WEST12345698765432",
               "gb82west12345698765432", "NO9386011117947", "FR1420041010050500013M02606", "XX00", "DE00", "0", "7", "A",
               "z", " ", "-", "ß", "\u0130", "\u0660", "_", "+", "\n"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(IBAN_PIECES), min_size=1, max_size=5))
def test_iban_validation_is_presidios(pieces: list[str]) -> None:
    """The precompiled validator answers as ``IbanRecognizer.validate_result`` does: True, None
    (valid only upper-cased) or False, on IBANs, their edits and characters that change length
    when upper-cased."""
    text = "".join(pieces)
    assert _compiled("IBAN_CODE")._validate(text) == _presidio("IBAN_CODE").validate_result(text)


def test_iban_validation_is_precompiled() -> None:
    """Not presidio's own method: that one compiles a country's format on every call."""
    validate = _compiled("IBAN_CODE")._validate
    assert getattr(validate, "__self__", None) is None
    assert validate("DE89370400440532013000") is True and validate("DE89370400440532013001") is False


def test_presidio_is_imported_without_checking_its_patterns_and_checks_them_again_after() -> None:
    """A first import builds presidio's 173 patterns unchecked (their check compiles each, about
    0.2 s of every sanitizing command's start-up); the recognizers still find what they find, and
    a pattern built afterwards is checked again."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys, regex
        checked = []
        compile = regex.compile
        def recording(pattern, *args, **kwargs):
            if sys._getframe(1).f_globals.get("__name__") == "presidio_analyzer.pattern":
                checked.append(pattern)
            return compile(pattern, *args, **kwargs)
        regex.compile = recording
        from sanitizers.detectors import _presidio
        found = _presidio("EMAIL_ADDRESS").analyze("mail jane.doe@example.com now", ["EMAIL_ADDRESS"], None)
        assert [(r.start, r.end) for r in found] == [(5, 25)], found
        assert "presidio_analyzer.predefined_recognizers" in sys.modules
        assert checked == [], f"{len(checked)} patterns checked on import"
        from presidio_analyzer import Pattern
        try:
            Pattern("broken", "(unclosed", 0.5)
        except ValueError:
            pass
        else:
            raise AssertionError("a pattern built after the import is not checked")
        assert checked == ["(unclosed"], checked
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
