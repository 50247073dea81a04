"""Properties of the sanitizer over generated events (hypothesis), issue 3's "Done when" list.

Example counts are modest so the file runs in seconds; each property still sees a few hundred
events of arbitrary shape, keys and text, with personal values planted at random places.
"""

from __future__ import annotations

import ipaddress
import json
import re
import string
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sanitizers import SanitizeResult, Sanitizer
from sanitizers._core import KnownValues
from sanitizers.fakes import FakeFactory

SANITIZER = Sanitizer(key=b"property-key")
FAKES = FakeFactory(b"property-key")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Keys the policy reacts to, mixed with arbitrary ones, so key rules fire on arbitrary values too.
KEYS = st.sampled_from(["email", "password", "name", "user", "customer", "phone", "card", "number", "iban",
                        "ip_address", "REMOTE_ADDR", "cookies", "Authorization", "query_string", "data", "headers",
                        "vars", "message", "id", "user_id", "sku", "order_id", "status", "dob", "address", "token"])
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(KEYS | TEXT, children, max_size=4), max_leaves=25)
SECTIONS = ["request", "user", "extra", "tags", "contexts", "breadcrumbs", "exception", "logentry", "modules", "_meta"]
EVENTS = st.dictionaries(st.sampled_from(SECTIONS) | KEYS, JSON, max_size=6)


def shape(node: Any) -> Any:
    """Value types, list lengths and key order; key names aside (a key that is an e-mail address is faked)."""
    if isinstance(node, dict):
        return ("dict", [shape(v) for v in node.values()])
    if isinstance(node, list):
        return [shape(v) for v in node]
    return type(node).__name__


# --- planted personal values -------------------------------------------------------------------

def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()][::-1]
    return sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return int("".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])) % 97 == 1


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix, length = draw(st.sampled_from([("4", 16), ("51", 16), ("2221", 16), ("37", 15), ("6011", 16), ("62", 19)]))
    body = prefix + "".join(draw(st.lists(st.sampled_from(string.digits), min_size=length - len(prefix) - 1,
                                          max_size=length - len(prefix) - 1)))
    number = next(body + d for d in string.digits if luhn_ok(body + d))
    sep = draw(st.sampled_from(["", " ", "-"]))
    groups = (4, 6, 5) if length == 15 else (4, 4, 4, 4, 3)
    parts, i = [], 0
    for size in groups:
        parts.append(number[i:i + size])
        i += size
    return sep.join(p for p in parts if p)


IBAN_FORMATS = {"DE": "n18", "GB": "a4n14", "FR": "n23", "NL": "a4n10", "ES": "n20", "IT": "a1n22"}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(IBAN_FORMATS)))
    bban = ""
    for kind, count in re.findall(r"([an])(\d+)", IBAN_FORMATS[country]):
        alphabet = string.ascii_uppercase if kind == "a" else string.digits
        bban += "".join(draw(st.lists(st.sampled_from(alphabet), min_size=int(count), max_size=int(count))))
    check = 98 - int("".join(str(int(ch, 36)) for ch in bban + country + "00")) % 97
    iban = f"{country}{check:02d}{bban}"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if draw(st.booleans()) else iban


EMAILS = st.builds(
    lambda local, tag, domain, tld: f"{local}{'+' + tag if tag else ''}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9]{2,8}(?:[._][a-z]{2,8})?", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"[a-z]{2,6}", fullmatch=True)),
    st.from_regex(r"[a-z]{3,10}(?:-[a-z]{2,6})?", fullmatch=True),
    st.sampled_from(["com", "de", "fr", "co.uk", "org", "io"]),
)
PERSONAL = st.one_of(EMAILS, cards(), ibans())
WORDS = st.lists(st.sampled_from(["order", "failed", "for", "customer", "ORD-2024-000123", "at", "x", "SKU-AB12-XL", ":", "("]),
                 max_size=3).map(" ".join)


@st.composite
def events_with_planted_values(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    event = draw(st.dictionaries(st.sampled_from(SECTIONS[:-2]) | KEYS, JSON, min_size=1, max_size=4))
    planted = draw(st.lists(PERSONAL, min_size=1, max_size=4))
    for value in planted:
        section = draw(st.sampled_from(sorted(event)))
        text = f"{draw(WORDS)} {value} {draw(WORDS)}".strip() if draw(st.booleans()) else value
        key = draw(KEYS | st.from_regex(r"[a-z]{1,8}", fullmatch=True))
        if isinstance(event[section], dict):
            event[section][key] = text
        elif isinstance(event[section], list):
            event[section].append(text)
        else:
            event[section] = {key: text}
    return event, planted


# --- properties --------------------------------------------------------------------------------

@SETTINGS
@given(EVENTS)
def test_output_has_the_same_shape_as_the_input(event):
    result = SANITIZER.sanitize(event)
    if not result.blocked:
        assert shape(result.event) == shape(event)


@SETTINGS
@given(EVENTS)
@example({"password": ";;;A", "extra": {";;;A": None}})
def test_keys_without_digits_at_signs_or_colons_are_never_renamed(event):
    """Unless the key is also in a value of the event: a value found anywhere is replaced
    everywhere, keys included (a map keyed by a customer's name), so that key may be renamed."""
    result = SANITIZER.sanitize(event)
    if not result.blocked:
        values = _strings(event)
        plain = {k for k in _keys(event) if not re.search(r"[@\d:]", k) and not any(k in v for v in values)}
        assert plain <= set(_keys(result.event))


def _keys(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [k for k in node] + [k for v in node.values() for k in _keys(v)]
    if isinstance(node, list):
        return [k for v in node for k in _keys(v)]
    return []


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


@SETTINGS
@given(EVENTS)
def test_the_same_key_gives_the_same_output(event):
    first = Sanitizer(key=b"fixed").sanitize(event)
    second = Sanitizer(key=b"fixed").sanitize(event)
    assert (first.event, first.changes, first.blocked) == (second.event, second.changes, second.blocked)


@SETTINGS
@given(events_with_planted_values())
def test_no_planted_email_card_or_iban_is_left_in_the_output(planted_event):
    event, planted = planted_event
    result = SANITIZER.sanitize(event)
    assert not result.blocked, result.leaks
    output = json.dumps(result.event, ensure_ascii=False)
    compact_output = re.sub(r"[\s-]", "", output)
    for value in planted:
        assert value not in output
        if "@" not in value:
            assert re.sub(r"[\s-]", "", value) not in compact_output


@SETTINGS
@given(st.one_of(st.dictionaries(TEXT, JSON, max_size=5), JSON, st.lists(EVENTS, max_size=3)))
def test_sanitize_never_raises_on_any_json_document(document):
    result = SANITIZER.sanitize(document)
    assert isinstance(result, SanitizeResult)
    assert result.event is None if result.blocked else shape(result.event) == shape(document)


@SETTINGS
@given(cards())
def test_card_fakes_are_luhn_valid_cards_of_the_same_layout_and_brand(card):
    fake = FAKES.fake("CREDIT_CARD", card)
    assert fake != card and luhn_ok(fake)
    assert re.sub(r"\d", "9", fake) == re.sub(r"\d", "9", card)
    assert fake[0] == card[0]


@SETTINGS
@given(ibans())
def test_iban_fakes_pass_the_mod_97_check_in_the_same_country_and_layout(iban):
    fake = FAKES.fake("IBAN_CODE", iban)
    assert fake != iban and iban_ok(fake) and fake[:2] == iban[:2]
    assert re.sub(r"[A-Z]", "A", re.sub(r"\d", "9", fake[4:])) == re.sub(r"[A-Z]", "A", re.sub(r"\d", "9", iban[4:]))


@SETTINGS
@given(EMAILS)
def test_email_fakes_are_emails_with_the_same_plus_tag_and_top_level_domain(email):
    fake = FAKES.fake("EMAIL_ADDRESS", email)
    assert fake != email and re.fullmatch(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", fake)
    assert ("+" in fake.partition("@")[0]) == ("+" in email.partition("@")[0])
    assert fake.rpartition(".")[2] == email.rpartition(".")[2]


@SETTINGS
@given(st.ip_addresses())
def test_ip_fakes_are_addresses_of_the_same_version_and_class(address):
    fake = ipaddress.ip_address(FAKES.fake("IP_ADDRESS", str(address)))
    assert fake.version == address.version
    if address.is_unspecified:
        assert fake == address
    elif address.is_loopback:
        assert fake != address and (getattr(fake, "ipv4_mapped", None) or fake).is_loopback
    elif address.version == 4 and not address.is_global:
        assert fake.is_private or not fake.is_global
    elif address.version == 4:
        assert fake.is_global


@SETTINGS
@given(EVENTS)
def test_a_sanitizer_with_warm_caches_gives_what_a_fresh_one_gives(event):
    """The caches by place and by text (untouched strings, key rules, scans, the gate's clean
    outputs) only skip work: after this very event and every earlier example, same output."""
    SANITIZER.sanitize(event)
    warm = SANITIZER.sanitize(event)
    fresh = Sanitizer(key=b"property-key").sanitize(event)
    assert (warm.event, warm.changes, warm.blocked) == (fresh.event, fresh.changes, fresh.blocked)


ORIGINALS = ["Jane", "Jane Doe", "Doe", "jane.doe@example.com", "Zoë Ünal", "10.1.2.3", "Zo%C3%AB", "Zo\\u00eb",
             "pa55:Jane!", "s3cr3t-Doe"]
# Word characters to Python's re and not, beyond ASCII: a letter, an Arabic-Indic digit, a
# superscript, a Roman numeral (all \w), a combining accent and a Devanagari vowel sign (not \w,
# though Unicode calls the sign alphabetic), a lone surrogate.
TEXT_PIECES = st.sampled_from(ORIGINALS + ["Jane%20Doe", "jane.doe%40example.com", "Zo\\u00eb", "\x00", " ", "x", "_",
                                           "%8A", "%7A", "\\u0041", "é", "1", "\u0663", "²", "Ⅻ", "\u0301", "\u093e",
                                           "\ud800", "\\"]) | TEXT
# The alternation KnownValues matches as Python's re matches it: glued originals anywhere, the
# others as whole words, also where a letter beside them is written %XX or \uXXXX.
NOT_AFTER_LETTER = r"(?<!\w)(?<!%[89a-fA-F][0-9a-fA-F])(?<!\\u[0-9a-fA-F]{4})"
NOT_BEFORE_LETTER = r"(?!\w|%[89a-fA-F][0-9a-fA-F]|\\u[0-9a-fA-F]{4})"


@SETTINGS
@given(st.lists(st.lists(TEXT_PIECES, max_size=6).map("".join), max_size=8),
       st.lists(st.tuples(st.sampled_from(ORIGINALS), st.booleans(), st.booleans()), min_size=1, unique_by=lambda e: e[0]))
def test_the_core_finds_and_replaces_known_values_as_the_python_alternation_does(texts, entries):
    fakes = {original: f"F{i}\ud801" if i == 2 else f"F{i}" for i, (original, _, _) in enumerate(entries)}
    unmistakable = {original for original, _, flag in entries if flag}
    glued = [re.escape(original) for original, is_glued, _ in entries if is_glued]
    words = [re.escape(original) for original, is_glued, _ in entries if not is_glued]
    alternation = glued + ([f"{NOT_AFTER_LETTER}(?:{'|'.join(words)}){NOT_BEFORE_LETTER}"] if words else [])
    regex = re.compile("|".join(alternation))
    ordered = [entry for entry in entries if entry[1]] + [entry for entry in entries if not entry[1]]
    known = KnownValues([(original, fakes[original], is_glued, flag) for original, is_glued, flag in ordered])
    assert known.holding(texts) == [i for i, text in enumerate(texts) if regex.search(text)]
    for text in texts:
        assert known.replace(text) == regex.sub(lambda m: fakes[m.group()], text)
        assert known.replace(text, True) == regex.sub(
            lambda m: fakes[m.group()] if m.group() in unmistakable else m.group(), text)
        found = [m.group() for m in regex.finditer(text)]
        assert known.finds(text) == (bool(found), any(original in unmistakable for original in found))


def test_a_string_left_alone_in_one_place_is_still_judged_in_another():
    sanitizer = Sanitizer(key=b"property-key")
    for place in ({"extra": {"note": "hunter2"}}, {"tags": [["note", "hunter2"]]}):
        assert sanitizer.sanitize(place).event == place  # no detector finds anything: left alone
    for place in ({"extra": {"password": "hunter2"}}, {"request": {"data": {"password": "hunter2"}}}):
        assert "hunter2" not in json.dumps(sanitizer.sanitize(place).event), place


@SETTINGS
@given(JSON.filter(lambda v: isinstance(v, (dict, list))), st.sampled_from(["", " ", "\n  ", "\t", "\r\n"]))
def test_every_json_object_or_array_is_opened_whatever_follows_its_bracket(value, space):
    """parse_json's quick refusal of a text (what follows the opening bracket) refuses no JSON."""
    from sanitizers.encodings import parse_json
    text = json.dumps(value)
    text = text[0] + space + text[1:]
    assert parse_json(text) is not None and parse_json(text)[0] == json.loads(text)


@SETTINGS
@given(JSON.filter(lambda v: isinstance(v, (dict, list))), st.booleans(), st.sampled_from([(",", ":"), (", ", ": ")]))
def test_a_json_text_is_written_back_in_the_first_layout_that_writes_it(value, ascii_only, separators):
    """parse_json encodes only the layouts an object's first key allows: the one it picks is still
    the first of all four that writes the text (a key holding quotes, colons and spaces included)."""
    from sanitizers.encodings import _JSON_LAYOUTS, parse_json
    text = json.dumps(value, ensure_ascii=ascii_only, separators=separators)
    first = next((dump for dump in _JSON_LAYOUTS if dump(json.loads(text)) == text), None)
    assert parse_json(text)[1] is first


_FIELD_PIECES = ["a", "=", "&", ",", "b", "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nj@x.io\r\n--x",
                 "[email] => j@x.io\n", "input[name=email][value='j@x.io']", "Customer(", "name", "'Jane'", ")", " ",
                 "%40", "?", "#", "\n", "Customer(name='Jane', email='j@x.io')", "q=1&r=2", "k=v,l=w"]


@SETTINGS
@given(st.lists(st.sampled_from(_FIELD_PIECES), min_size=1, max_size=6).map("".join))
def test_the_readers_of_named_fields_read_only_text_with_an_equals_sign(text):
    """The engine asks the call-repr, named-field and query readers only about text with an "=":
    each reads nothing in text without one."""
    from sanitizers.encodings import parse_call_repr, parse_fields, parse_query
    if "=" not in text:
        assert (parse_call_repr(text), parse_fields(text), parse_query(text)) == (None, None, None)
