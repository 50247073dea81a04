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


def _run_python(code: str) -> None:
    """``code`` in a fresh interpreter (what a process has imported is the point), which prints ok."""
    import subprocess
    import sys
    import textwrap

    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.parametrize("first_use", ["_presidio('EMAIL_ADDRESS')", "_ssn_finder()", "_compiled('IBAN_CODE')"])
def test_presidio_recognizers_load_without_spacy_and_leave_presidio_to_import_whole(first_use: str) -> None:
    """Whatever detector loads them first, the recognizers come without presidio's NLP engines
    (spaCy: most of a sanitizing command's start-up) and find what presidio finds; and they leave
    no presidio module behind: importing presidio afterwards loads it whole, as it is laid out."""
    _run_python(f"""
        import sys
        from sanitizers.detectors import _compiled, _presidio, _ssn_finder
        {first_use}
        found = _presidio("EMAIL_ADDRESS").analyze("mail jane.doe@example.com now", ["EMAIL_ADDRESS"], None)
        assert [(r.start, r.end) for r in found] == [(5, 25)], found
        assert "spacy" not in sys.modules, "spaCy imported"
        assert not [name for name in sys.modules if name.startswith("presidio_analyzer")]
        import presidio_analyzer.pattern
        import presidio_analyzer.predefined_recognizers.generic.iban_recognizer as iban
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpArtifacts
        assert presidio_analyzer.pattern.Pattern is presidio_analyzer.Pattern and iban.NlpArtifacts is NlpArtifacts
        text = "IBAN DE89370400440532013000 from 10.1.2.3"
        for entity, recognizer in (("IBAN_CODE", iban.IbanRecognizer()),
                                   ("IP_ADDRESS", presidio_analyzer.predefined_recognizers.IpRecognizer())):
            ours = [(r.start, r.end, r.score) for r in _presidio(entity).analyze(text, [entity], None)]
            assert ours and ours == [(r.start, r.end, r.score) for r in recognizer.analyze(text, [entity], None)]
        print("ok")
    """)


def test_presidio_laid_out_otherwise_is_imported_whole() -> None:
    """Should a presidio release move a recognizer, the attempt leaves nothing behind (what it
    loaded with a stand-in for presidio's NLP engine loads again) and presidio is imported whole:
    the classes still come, as presidio's own."""
    _run_python("""
        import sys
        from sanitizers import _presidio_import
        _presidio_import._RECOGNIZERS["US_SSN"] = ("country_specific.us.moved_away", "UsSsnRecognizer")
        loaded = _presidio_import.presidio()
        from presidio_analyzer import PatternRecognizer, predefined_recognizers
        from presidio_analyzer.nlp_engine import NlpArtifacts
        assert "spacy" in sys.modules and loaded.pattern_recognizer is PatternRecognizer
        classes = loaded.recognizers
        assert all(getattr(predefined_recognizers, cls.__name__) is cls for cls in classes.values())
        assert set(classes) == {"EMAIL_ADDRESS", "IBAN_CODE", "IP_ADDRESS", "CRYPTO", "MAC_ADDRESS", "US_SSN"}
        assert sys.modules[classes["IBAN_CODE"].__module__].NlpArtifacts is NlpArtifacts
        print("ok")
    """)
