"""The cheap gates in front of detectors only skip work: with or without them, same spans.

Gates (a digit count, a street-word test, a birth-cue test) decide whether a detector's patterns
run at all; a gate that wrongly says "no" would be a silent leak. Each is checked against the
ungated detector on every string of a generated corpus and of the shared fixtures, and on
hypothesis-made texts. So is the compiled core's prefilter, which rules detectors out before
the engine calls them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import sanitizers.detectors as detectors
import sanitizers.names as names
from sanitizers._core import FOLDS_TO_ASCII, IGNORING_CASE_TO_ASCII, PREFILTERED
from sanitizers.detectors import DETECTOR_FUNCTIONS, detector_bit, prefilter
from tests.texts import sample_texts

PIECES = ["192.0.2", ".7", "::1", "fe80:", "219-09-9999", "219099999", "SSN", "password=", "Token: ", "sid=",
          "<User: jdoe>", "logged in as ", "uname=", "cus_1a2B3c4D5e", "user #", "Kunde ", "\u212aey=",
          "12", "221B", " ", ", ", "\n", "Main", "Street", "St.", "st", "Rd", "c/", "ul.", "Długa", "Hauptstraße",
          "Kerkstraat", "Via", "Roma", "75002", "Paris", "DOB", "born on", "Geboren am", "né le", "1985-03-14",
          "14/03/1985", "bd", "5f3a9bd2", "R.", "Apt", "4", ":", "=", "Jane", "O'Neil", "SKU-YM66", "Dear ",
          "Mr. ", "ADDRESS '", "Adresse", "indirizzo: ", "geocoding \"", "ſt", "İndirizzo", "ıt",
          "Адрес: ", "주소", "地址", "Dirección", "ENDEREÇO: ", "Rodné číslo", "身份证", "Дата рождения", "NÉ LE",
          "doğum", "\u3000", "\xa0", "Bearer ", "é", "Straße"]
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


# What each prefiltered detector finds, and what is close to it without being it.
FINDS = [
    "jane.doe@example.com", "jane%40example.com", "4111 1111 1111 1111", "5555-5555-5555-4444", "DE89370400440532013000",
    "de89 3704 0044 0532 0130 00 iban", "219-09-9999", "ssn 219099999", "Steuer-ID 12345678901", "192.168.1.5",
    "2001:db8::7", "::1", "fe80::1ff:fe23:4567:890a", "+49 151 2345678", "(415) 555-0100", "0151 2345678",
    "00:1A:2B:3C:4D:5E", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "password=hunter2", "'api_key': 'x9'", "Authorization: Bearer abc123def456", "Basic dXNlcjpwYXNz1",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.c2ln", "sk_live_0123456789abcdef", "AKIA0123456789ABCDEF",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "https://user:pw@host", "redis://:pw@h",
    "DOB 1985-03-14", "born 14/03/1985", "né le 14/03/1985", "生年月日: 1985-03-14", "user_id=u_12345678",
    "cus_IacjdTd0lC6a0t", "customer #A-10293", "logged in as jdoe", "<User: jdoe>", "user=jdoe", "ſecret=x",
    "\u212aey=x1", "٣٤٥٦٧٨٩٠١٢٣٤", "v1.2.3.4", "12:30:45", "Jane Doe", "1 Main Street",
    # at the prefilter's digit counts: a 12-digit card, a 5-digit id, 7-digit phones, a 4-digit birth date
    "5018 0000 0009", "Steuer-ID 12345a", "tel 555 0100", "5550100", "born 1/1/85",
    "NO9386011117947", "iban no93 8601 1117 947",  # the shortest IBANs (Norway)
    # each kind of word that names a national id, nine digits after an SSN cue, both MAC forms
    "Passport no. AB1234567", "codice fiscale RSSMRA85T10A562S", "DNI 12345678Z", "BSN 123456782", "NIE X1234567L",
    "PESEL 44051401359", "Personnummer 850314-1234", "T.C. Kimlik No 12345678901", "ID-Card 1234567", "id no. 12345678",
    "Identity card 1234567", "National Insurance number QQ123456C", "Tax ID 12-3456789", "Ausweisnummer T220001293",
    "NINO QQ 12 34 56 C", "NIF 12345678Z", "NIR 1 85 05 78 006 084 36", "CPF 123.456.789-09", "burgerservicenummer 12345",
    "Social: 219099999", "tax 219099999", "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "12:30:45 0a1b.2c3d.4e5f",
    "iban de89370400440532013000", "IBAN: de89 3704 0044 0532 0130 00", "4111-1111-1111-1111",
    "Überweisung an DE89370400440532013000",  # beyond ASCII, an IBAN's digits are still counted
    # assignments and usernames beyond ASCII: their words as in ASCII text, or folded into it (ſ, K, ﬅ, ß)
    "Contraseña password=hunter2", "Jürgen logged in as jdoe", "<User: Jürgen>", "usuário user=jdöe", "uſer=jdoe",
    "paſſword=hunter2", "\u212aey: x1", "pa\u00dfword=hunter2", "ﬅoken=abc", "ﬆatus user=é1",
    "user Jürgen logged in", "Benutzer uname=jürgen",
    # names and addresses: an apostrophe after a capital, owners of devices in lower case, a cue without a number
    "Dear O'Neil", "jdoe-thinkpad", "claudines-macbook-pro.local", "desktop-esther", "address 'calle mayor'",
    "geocoding failed: rua das flores", "12\tMain Street", "Hauptstraße 5", "ADDRESS 'x y z'", "geocoded: Main St",
    "Shipping address: Rue de la Paix", "indirizzo \"Via Roma\"", "Rua das Flores, São Paulo - 01310-100",
    "Vila Moraes, 69007128 Sul", "12b/3 Main Street", "Flat 2, 10 Downing St",
    # street words the prefilter knows from the gazetteer: long, short ("St.", "ul.", "c/") and glued to the name
    "Kerkstraat 7", "Kaiserring 12", "Via Roma, 10", "ul. Dluga 3", "c/ Mayor 5", "221B Baker St.", "12 RUE DE LA PAIX",
    "Stenstraat 4, 1012 AB Amsterdam", "Vila Moraes, 69007128 Sul",
    # phones at the edges of the runs the prefilter reads: extensions, parentheses, a full stop after one
    "call 593.784.1458x67772 now", "tel 415 555 0100 ext. 12", "(019)-9331751", "+31(0)275-636450", "phone: 555 0100.",
    "tel:5550100", "tel 5550100+1a", "=+4915123456789&", " \x1c+12345678\x0b", "phone 0049 (0) 151/234 5678",
    # text beyond ASCII, whose cue words the prefilter searches as in ASCII text: in both cases, and in other scripts
    "Дата рождения: 14.03.1985", "ДАТА РОЖДЕНИЯ: 14.03.1985", "Né le 14/03/1985", "NÉ LE 14/03/1985",
    "Födelsedatum: 1985-03-14", "FÖDELSEDATUM: 1985-03-14", "Doğum tarihi: 14.03.1985", "DOĞUM TARIHI: 14.03.1985",
    "出生日期：1985-03-14", "생년월일:1985-03-14", "Rodné číslo 850314/1234", "RODNÉ ČÍSLO 8503141234",
    "身份证号码 110101199003074578", "주민등록번호 900307-1234567", "Číslo dokladu: Steuer-ID 12345678901",
    "Адрес: ул. Ленина 5", "АДРЕС 'Невский проспект'", "адресу: «ул. Тверская»", "주소: '서울시 강남구'",
    "地址：'北京市朝阳区'", "Dirección: Calle Mayor", "DIRECCIÓN 'Gran Vía'", "Endereço: Rua das Flores",
    "ENDEREÇO 'Rua Augusta'", "Köln, Hauptstraße 5", "Straße 5 in Köln", "ул. Ленина 5", "Kundé customer #A-10293",
    "usuário user_id=u_12345678", "cus_IacjdTd0lC6a0t für Jürgen", "Jürgen password=hunter2", "\u3000Bearer abc1234567",
    "\xa0Basic dXNlcjpwYXNz1", "\x1cToken abc12345678", "clé: api_key=x9é", "Sécurité sociale 219099999",
    "número SSN 219099999",
    # addresses beyond ASCII without a cue: a street word's stem, one glued to the name, a short one, one folded
    "Praça Macedo 11, São Paulo", "Calle Área 3, Málaga", "12 Allée des Roses, Paris é", "Kaiserring 12 in Köln",
    "ul. Długa 3", "Gieß: 5 Main St", "Ẅ 12 ſt. Mary",
]


def test_the_characters_that_fold_into_ascii_letters_are_the_cores() -> None:
    """The prefilter searches text beyond ASCII for the assignment and username words as it
    searches ASCII text, unless it holds a character Python turns into an ASCII letter: every
    such character, over all of Unicode, is in the core's list."""
    letters = set(string.ascii_letters)
    ignoring_case = [re.compile("(?i)" + letter) for letter in string.ascii_lowercase]
    folding = {c for c in map(chr, range(0x80, 0x110000)) if not "\ud800" <= c <= "\udfff"
               and (set(c.casefold() + c.lower() + c.upper()) & letters or any(p.fullmatch(c) for p in ignoring_case))}
    assert folding == set(FOLDS_TO_ASCII)
    # ... and of those, the ones ``(?i)`` matches to an ASCII letter (the person finder's device test)
    assert {c for c in FOLDS_TO_ASCII if any(p.fullmatch(c) for p in ignoring_case)} == set(IGNORING_CASE_TO_ASCII)


@pytest.mark.parametrize(("cue", "letter"), [("né", "é"), ("födelse", "ö"), ("doğum", "ğ"), ("рождения", "ж")])
def test_a_birth_cue_beyond_ascii_holds_a_letter_only_itself_lowers_to(cue: str, letter: str) -> None:
    """The prefilter knows the birth cues beyond ASCII by one letter of each, in either case
    (core/src/prefilter.rs, BIRTH_CUES): the gate lower-cases the text, and no other character
    lowers to a text holding that letter."""
    assert cue in detectors._DOB_CUES and letter in cue
    others = {c for c in map(chr, range(0x110000)) if not "\ud800" <= c <= "\udfff" and letter in c.lower()}
    assert others == {letter, letter.upper()}


def test_the_cyrillic_address_cue_holds_a_letter_only_its_two_cases_match() -> None:
    """... and `адрес` of `_ADDRESS_CUE` by its `р`, which ``(?i)`` matches in its two cases and in
    no other character (its `д` and `с` match one more each)."""
    assert "адрес" in names._ADDRESS_CUE.pattern
    matching = re.compile("(?i)р")
    assert {c for c in map(chr, range(0x110000)) if not "\ud800" <= c <= "\udfff" and matching.fullmatch(c)} == {"р", "Р"}


def assert_prefilter_sound(text: str) -> None:
    mask = prefilter().could_hold(text)
    for name in PREFILTERED:
        bit = detector_bit(name)
        if not mask & bit:
            assert DETECTOR_FUNCTIONS[name](text) == [], f"{name} was ruled out but finds something"
        # asked about one detector (as the gate asks about its own), the prefilter tests only its
        # condition, and says what it says asked about all
        assert prefilter().could_hold(text, bit) == mask & bit, name


@pytest.mark.parametrize("text", FINDS)
def test_the_prefilter_lets_every_detector_through_that_finds_something(text: str) -> None:
    assert_prefilter_sound(text)


def test_the_prefilter_rules_out_addresses_in_text_without_a_street_word() -> None:
    """A number and a space are not enough: the address detector needs a street word too."""
    address = detector_bit("ADDRESS")
    assert not prefilter().could_hold("order 12345 failed after 3 retries") & address
    assert prefilter().could_hold("order 12345 shipped to 3 Main Street") & address


def test_the_prefilter_rules_out_addresses_where_no_address_pattern_could_match() -> None:
    """Nor is the word "address" enough: the looser form of the cued address pattern must match
    (a cue before a quote or a colon), or of a house number beside a street word."""
    address = detector_bit("ADDRESS")
    for text in ("address_autocomplete,express_pay_v2", "the address", "Geocoding failed", "address_line_2 7"):
        assert not prefilter().could_hold(text) & address, text
    for text in ("address: 4 rue Foo", "Geocoding 'Hauptweg'", "Street 2 Main", "Kerkstraat 7"):
        assert prefilter().could_hold(text) & address, text


def test_the_prefilter_rules_out_phones_where_no_run_of_digits_could_be_one() -> None:
    """Seven digits are not enough: a timestamp, a UUID or an order number holds no phone."""
    phone, value = detector_bit("PHONE_NUMBER"), detector_bit("PHONE_VALUE")
    for text in ("2025-03-23T06:19:12.640Z", "2b484d9e-66f5-416c-b0d0-a3fff06d7476", "ORD-2025-745964"):
        assert not prefilter().could_hold(text) & (phone | value), text
    assert prefilter().could_hold("call 555-0100 ext 7") & phone
    assert prefilter().could_hold(" +4915123456789 ") & value


def test_the_prefilter_rules_out_nothing_found_in_corpus_and_fixtures(texts: list[str]) -> None:
    for text in texts:
        assert_prefilter_sound(text)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(st.sampled_from(FINDS + PIECES), st.text(max_size=6)), min_size=1, max_size=5),
       joiner=st.sampled_from([" ", "", "=", ", ", "\n", "/"]))
def test_the_prefilter_rules_out_nothing_found_in_made_up_texts(parts: list[str], joiner: str) -> None:
    assert_prefilter_sound(joiner.join(parts))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["+", "00", "(0)", "(415)", "555", "0100", "12", "7", " ", "-", ".", "/", "x12",
                                 " ext. 3", "e", ":", "A", "_", "\t", "\x1c"]), max_size=9),
       st.sampled_from(["", "tel ", "call "]))
def test_the_prefilter_lets_through_every_phone_made_of_digits_and_separators(pieces: list[str], cue: str) -> None:
    """The phone bits read runs of digits and separators, where `_PHONE` could start and end."""
    assert_prefilter_sound(cue + "".join(pieces))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["jane@example.com", "jane@example.com.", "@", "a@b.co", "10.0.0.1", "::1", " ", "\t",
                                 "\u2003", "\x1c", "\n", "x", "(", ")"]), max_size=10))
def test_presidio_runs_are_found_where_a_scan_of_whitespace_free_runs_finds_them(pieces: list[str]) -> None:
    """_run_presidio_tokens finds its runs by str.split and locates each needed one; a search of
    every ``\\S+`` run gives the same spans."""
    import re
    text = "".join(pieces)
    for entity, needed in (("EMAIL_ADDRESS", lambda token: "@" in token), ("IP_ADDRESS", detectors._IP_GATE.search)):
        reference = [detectors.Span(m.start() + start, m.start() + end, entity, entity.lower())
                     for m in re.finditer(r"\S+", text) if needed(m.group())
                     for start, end in detectors._presidio_spans(entity, m.group())]
        assert detectors._run_presidio_tokens(entity, text, needed) == reference


EMAIL_PIECES = ["jane.doe@example.com", "j@x.io", "@", "a@b", "email=jane@x.com", "/account/jane@x.com", "mailto:",
                "https://user:pw@host.com", "redis://:pw@h.local", "ftp://a@b.co", "://", "x://", "1http://a@b.com",
                "jane@x.png", "icon@2x.png", "a.b+tag@sub.example.co.uk", "Jane <jane@gmail.con>", "\n", " ", "\t",
                "\x1c", "/", "'", "(", ")", ",", "é",
                # URL-encoded mailboxes: %2B for a plus, labels a top-level domain must not be, 65 units
                "jane.doe%40example.com", "%40", "j%2Bx%40b.io", "a%2bb%40x.co.uk", "%2B", "%2", "%4", "x%40b.c0m",
                "x%40b.com_", "x%40b.co-uk", "x%40b.com.", "x%40-.de", "%40example.org", "a" * 64, "%41", "_", "+", "-",
                # beyond ASCII: read a whitespace-free run at a time, the ASCII ones by the core
                "Нонна Носова <", "jäne@x.com", "jane@exämple.de", "ä", "\u3000", "\xa0", "\u2028", "«", "»", "１"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(EMAIL_PIECES) | st.text(st.characters(max_codepoint=127), max_size=6), max_size=8))
def test_the_cores_email_finder_finds_what_the_python_one_finds(pieces: list[str]) -> None:
    """detect_email hands ASCII text, and each ASCII run of other text, to the compiled core; it
    finds the same spans as the Python reading it keeps for the rest, URL-encoded mailboxes
    included, in its order."""
    text = "".join(pieces)
    pattern = detectors._email_pattern()
    assert pattern is not None, "presidio's e-mail pattern runs in Rust's engine"
    found = detectors.email_spans(text, pattern, detectors._email_domains())
    if found is None:
        assert not text.isascii()
    else:
        assert [detectors.Span(s, e, "EMAIL_ADDRESS", "email_address") for s, e in found] \
            == detectors._detect_email_here(text), text
    assert detectors.detect_email(text) == detectors._detect_email_here(text), text


ADDRESS_PIECES = ["12", "1600", "12a", "12-3", "12/3a", "3rd", "21st", "0739", " ", "\t", "  ", ", ", ",", ".", "'", "-",
                  ":", "\n", "_", "Main", "Street", "St.", "St", "street", "STREET", "Ave", "avenue", "Rue", "de", "la",
                  "Paix", "Hauptstrasse", "Kerkstraat", "Kaiserring", "Fietspad", "String", "ring", "Via", "Roma", "ul.",
                  "c/", "Apt", "Suite", "Unit", "Apt.", "apt", "932", "NW", "N", "PA", "TN 48104", "75002", "Paris",
                  "4780SB", "4780 SB", "01310-100", "SW1A 1AA", "Springfield", "IL", "62704", "Could not geocode '",
                  "Geocoding address '", "Vila Moraes", "69007128", "Sul", "Rua das Flores", " - ", "O'Brien", "D'Arcy",
                  "McDonald", "Jean-Luc", "van", "der", "x", "A", "AB", "Lane", "Dr", "dr.", "Court", "Ports", "Meadows",
                  "boulevard", "chemin", "Legros", "Piso", "8", "Wohnung", "ste", "Flat", "str.", "Str.", "weg", "Weg"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(ADDRESS_PIECES) | st.text(st.characters(max_codepoint=127), max_size=4), max_size=12))
# what comes before a match, and after one ending in a house number (tried again shorter)
@example(["x12 Main Street and _Main Street 12, a.12 Oak Avenue"])
@example(["Main Street 12/3a. Main Street 12.5 Rue de la Paix 12-3:"])
# street types glued to a name: at its second letter, and after a short stem or a vowel
@example(["Xweg 5, Kaiserring 7, Aring 9, Tring 3, String 4, Hof 2, Xstr. 1 a"])
@example(["12 Main St. Apt 4, 10 Downing St", "at 3 ul. Dluga", "c/ Mayor 5"])
def test_the_cores_address_finder_finds_what_the_python_one_finds(pieces: list[str]) -> None:
    """detect_address hands ASCII text to the compiled core, but where an apostrophe stands
    between two capitals (a name's, whose pattern the core's engine cannot run): the same spans
    as the Python reading, in its order."""
    text = "".join(pieces)
    found = names.address_finder().spans(text)
    expected = [(span.start, span.end) for span in names._detect_address_here(text)]
    if found is None:
        assert re.search(r"[A-Z]'[A-Z]", text), text
    else:
        assert found == expected, text
    assert names.detect_address(text) == names._detect_address_here(text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Haupt", "STRAAT", "straat", "Str.", "str", "weg", "WEG", "Kaiser", "ring", "RING", "pad",
                                 "wal", "a", "e", "9", "-", ".", "\n", "ß", "straße", "Kerk"]), min_size=1, max_size=4))
def test_a_street_type_is_found_glued_to_a_word_as_the_pattern_finds_it(pieces: list[str]) -> None:
    """street_suffix skips the pattern for an ASCII word that ends in no street type."""
    word = "".join(pieces)
    m = names._GLUED_SUFFIX.search(word)
    assert names.street_suffix(word) == (m.group(0) if m else "")


@pytest.mark.parametrize("text", ["see https://example.org\njane.doe@gmail.com", "Привет https://example.org\njane.doe@gmail.com",
                                  "é a://\nj@x.io"])
def test_a_url_on_the_line_before_a_mailbox_is_no_userinfo_of_it(text: str) -> None:
    """A mailbox is a URL's user only right after its scheme's ``://`` (found by review: ``$``
    matched before the newline, and the address after a URL on the line before was missed)."""
    found = detectors.detect_email(text)
    assert found == detectors._detect_email_here(text)
    assert [text[span.start:span.end] for span in found] == [text.split("\n")[1]]


def test_e_mails_are_read_in_python_where_the_core_cannot_run_presidios_pattern(monkeypatch) -> None:
    text = "Payment declined for Jane <jane.doe@example.com>, cc ops@shop.internal"
    expected = detectors.detect_email(text)
    monkeypatch.setattr(detectors, "_email_pattern", lambda: None)
    assert detectors.detect_email(text) == expected == detectors._detect_email_here(text)
    assert len(expected) == 2


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["127.", "0.0.1", "10.", "0.", "1", "01", "0127.", ":", "::", "[", "]", "%lo", "ffff:",
                                 "0:", "8080", "255", " "]), max_size=8))
@example(["::", "1", "%lo"])
@example(["[", "::", "ffff:", "127.", "0.0.1", "]", ":", "8080"])
@example(["127.", "0.0.1", ":", "8080"])
def test_loopback_is_told_apart_before_any_parse_as_the_parse_tells_it(pieces: list[str]) -> None:
    """is_loopback rules an address out by its text before parsing it: an IPv4 loopback starts with 127."""
    import ipaddress

    value = "".join(pieces)
    host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value.strip("[]")
    try:
        expected = ipaddress.ip_address(host).is_loopback
    except ValueError:
        expected = False
    assert detectors.is_loopback(value) == expected
