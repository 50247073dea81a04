"""Fakes keep what bugs depend on (DESIGN.md invariant 3), and are consistent per key (invariant 2).

The validators here are written independently of ``sanitizers`` on purpose: a fake that fools
the sanitizer's own checks but not a payment provider's would still break a replay.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from datetime import date

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sanitizers.detectors import luhn_check_digit, luhn_valid
from sanitizers.fakes import FakeFactory

KEY = b"test-key"


@pytest.fixture(scope="module")
def fakes() -> FakeFactory:
    return FakeFactory(KEY)


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def layout(value: str) -> str:
    """Digits as 9, letters as a, everything else as itself: the shape a parser sees."""
    return re.sub(r"[^\W\d_]", "a", re.sub(r"\d", "9", value))


def scripts(value: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in value if ch.isalpha()}


# --- cards -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("original", "prefixes"), [
    ("4111 1111 1111 1111", ("4",)),                       # Visa 16, spaces
    ("3782-822463-10005", ("34", "37")),                    # Amex 15, dashes in 4-6-5
    (with_check_digit("222100001234567"), ("2",)),         # Mastercard 2-series, no separators
    (with_check_digit("621234567890123456"), ("62",)),     # UnionPay 19 digits
])
def test_card_fake_keeps_brand_length_separators_and_luhn(fakes, original, prefixes):
    fake = fakes.fake("CREDIT_CARD", original)
    assert fake != original
    assert layout(fake) == layout(original)
    assert fake.startswith(prefixes)
    assert luhn_ok(fake)


def test_mastercard_2_series_stays_in_the_2_series_range(fakes):
    fake = fakes.fake("CREDIT_CARD", with_check_digit("272012345678901"))
    assert 2221 <= int(fake[:4]) <= 2720


# --- IBAN --------------------------------------------------------------------------------------

@pytest.mark.parametrize("original", ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606",
                                      "de89370400440532013000", "gb82west12345698765432"])  # as typed into a form
def test_iban_fake_keeps_country_length_layout_case_and_checksum(fakes, original):
    assert iban_ok(original.upper())
    fake = fakes.fake("IBAN_CODE", original)
    assert fake.upper() != original.upper()
    assert fake[:2] == original[:2]
    assert layout(fake) == layout(original)
    assert [c.islower() for c in fake] == [c.islower() for c in original]
    assert iban_ok(fake.upper())


# --- e-mail ------------------------------------------------------------------------------------

def test_email_fake_keeps_plus_addressing_and_a_free_mail_domain(fakes):
    fake = fakes.fake("EMAIL_ADDRESS", "jane.doe+orders@gmail.com")
    local, _, domain = fake.partition("@")
    assert domain == "gmail.com"
    assert re.fullmatch(r"[a-z]{4}\.[a-z]{3}\+[a-z]{6}", local)
    assert "jane" not in fake and "orders" not in fake


def test_email_fake_keeps_the_domain_shape_and_top_level_domain(fakes):
    fake = fakes.fake("EMAIL_ADDRESS", "billing@acme-corp.co.uk")
    assert re.fullmatch(r"[a-z]{7}@[a-z]{4}-[a-z]{4}\.[a-z]{2}\.uk", fake)
    assert "acme" not in fake


def test_email_fake_keeps_a_non_ascii_local_part_non_ascii(fakes):
    fake = fakes.fake("EMAIL_ADDRESS", "josé.müller@example.de")
    local = fake.partition("@")[0]
    assert not local.isascii()
    assert layout(local) == layout("josé.müller")


def test_the_same_mailbox_in_another_case_gets_the_same_fake_mailbox(fakes):
    assert fakes.fake("EMAIL_ADDRESS", "Jane.Doe@Example.com").lower() == fakes.fake(
        "EMAIL_ADDRESS", "jane.doe@example.com").lower()


# --- phones ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("original", "country_code"), [
    ("+49 30 1234567", 49), ("+33 4 92 81 59 43", 33), ("+1 (415) 555-2671", 1), ("0044 20 7946 0958", 44),
])
def test_phone_fake_keeps_country_calling_code_and_separators(fakes, original, country_code):
    fake = fakes.fake("PHONE_NUMBER", original)
    assert fake != original
    assert layout(fake) == layout(original)
    number = phonenumbers.parse("+" + fake[2:] if fake.startswith("00") else fake, None)
    assert number.country_code == country_code
    assert phonenumbers.is_possible_number(number)


def test_national_phone_fake_keeps_its_trunk_prefix_and_layout(fakes):
    fake = fakes.fake("PHONE_NUMBER", "030 12345678")
    assert fake.startswith("0") and layout(fake) == "999 99999999"


# --- IP addresses ------------------------------------------------------------------------------

@pytest.mark.parametrize("original", ["10.1.2.3", "172.20.0.9", "192.168.1.20"])
def test_private_ipv4_stays_private_in_the_same_range(fakes, original):
    fake = ipaddress.ip_address(fakes.fake("IP_ADDRESS", original))
    assert fake != ipaddress.ip_address(original)
    assert fake.version == 4 and fake.is_private
    assert fake in ipaddress.ip_network(original + "/8" if original.startswith("10.") else
                                        original + ("/12" if original.startswith("172.") else "/16"), strict=False)


@pytest.mark.parametrize("original", ["8.8.8.8", "89.122.209.74", "162.218.85.90"])
def test_public_ipv4_stays_public(fakes, original):
    fake = ipaddress.ip_address(fakes.fake("IP_ADDRESS", original))
    assert fake.version == 4 and fake.is_global and fake != ipaddress.ip_address(original)


@pytest.mark.parametrize("original", ["2a00:1450:4001:81c::200e", "fe80::1", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"])
def test_ipv6_stays_ipv6_of_the_same_class(fakes, original):
    before = ipaddress.ip_address(original)
    fake = ipaddress.ip_address(fakes.fake("IP_ADDRESS", original))
    assert fake.version == 6 and fake != before
    assert (fake.is_global, fake.is_link_local, fake.is_private) == (before.is_global, before.is_link_local, before.is_private)


def test_addresses_inside_a_forwarded_for_list_or_with_a_port_are_each_faked(fakes):
    fake = fakes.fake("IP_ADDRESS", "89.122.209.74, 10.205.112.109")
    public, private = (ipaddress.ip_address(part) for part in fake.split(", "))
    assert public.is_global and private in ipaddress.ip_network("10.0.0.0/8")
    assert "89.122.209.74" not in fake
    host, port = fakes.fake("IP_ADDRESS", "203.0.113.7:51097").rsplit(":", 1)
    assert port == "51097" and ipaddress.ip_address(host).version == 4


# --- ids, dates, names -------------------------------------------------------------------------

def test_uuid_stays_a_uuid_of_the_same_version(fakes):
    original = "550e8400-e29b-41d4-a716-446655440000"
    fake = fakes.fake("SECRET", original)
    assert fake != original
    assert uuid.UUID(fake).version == 4 and uuid.UUID(fake).variant == uuid.RFC_4122
    assert str(uuid.UUID(fake)) == fake


def test_ssn_fake_is_a_valid_ssn_in_the_same_format(fakes):
    fake = fakes.fake("US_SSN", "123-45-6789")
    area, group, serial = fake.split("-")
    assert layout(fake) == "999-99-9999" and fake != "123-45-6789"
    assert area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def test_other_national_ids_keep_their_layout(fakes):
    for original in ("767.201.215-02", "RSSMRA85T10A562S", "44051401458"):
        fake = fakes.fake("US_SSN", original)
        assert fake != original and layout(fake) == layout(original)


@pytest.mark.parametrize(("original", "pattern"), [
    ("1990-07-14", "%Y-%m-%d"), ("14.07.1990", "%d.%m.%Y"), ("07/14/1990", "%m/%d/%Y"),
])
def test_date_fake_keeps_its_format(fakes, original, pattern):
    from datetime import datetime

    fake = fakes.fake("DATE_OF_BIRTH", original)
    assert fake != original
    datetime.strptime(fake, pattern)


@pytest.mark.parametrize(("original", "pattern"), [
    ("1996-02-29", "%Y-%m-%d"), ("29.02.1996", "%d.%m.%Y"), ("02/29/1996", "%m/%d/%Y"),
])
def test_february_29_stays_february_29_of_another_leap_year(fakes, original, pattern):
    from datetime import datetime

    fake = datetime.strptime(fakes.fake("DATE_OF_BIRTH", original), pattern).date()
    assert (fake.month, fake.day) == (2, 29) and fake != date(1996, 2, 29)


@pytest.mark.parametrize(("original", "script"), [
    ("Дмитрий Иванов", "CYRILLIC"), ("Γιώργος Παπαδόπουλος", "GREEK"), ("佐藤 明美", "CJK"), ("José Müller", "LATIN"),
])
def test_name_fake_stays_in_the_same_script_with_as_many_words(fakes, original, script):
    fake = fakes.fake("PERSON", original)
    assert fake != original
    assert scripts(fake) == {script}
    assert len(fake.split()) == len(original.split())
    assert not set(fake.split()) & set(original.split())


@pytest.mark.parametrize("name", ["Christopher Wolfeschlegel", "Al Bo", "Дмитрий Иванов-Петров", "Γιώργος", "佐藤 明美",
                                  "JOSÉ MÜLLER", "Maximilianusfriedrichwilhelm", "O'Neil"])
def test_a_name_fake_keeps_every_words_length(fakes, name):
    """A name can be what fails (a column of 10 characters, a form's "at most 12"): the fake must
    fail the same way. A length that no listed name has gets letters of the same script."""
    fake = fakes.fake("PERSON", name)
    assert [len(w) for w in fake.split()] == [len(w) for w in name.split()] and fake != name


def test_non_ascii_latin_name_stays_non_ascii(fakes):
    assert not fakes.fake("PERSON", "Zoë Łukasiewicz").isascii()


# --- determinism -------------------------------------------------------------------------------

@pytest.mark.parametrize(("entity", "value"), [
    ("EMAIL_ADDRESS", "jane@example.com"), ("CREDIT_CARD", "4111 1111 1111 1111"), ("PERSON", "Jane Doe"),
    ("IBAN_CODE", "DE89370400440532013000"), ("IP_ADDRESS", "89.122.209.74"),
])
def test_the_same_key_gives_the_same_fake_in_every_factory(entity, value):
    assert FakeFactory(KEY).fake(entity, value) == FakeFactory(KEY).fake(entity, value)


@pytest.mark.parametrize(("entity", "value"), [
    ("EMAIL_ADDRESS", "jane@example.com"), ("CREDIT_CARD", "4111 1111 1111 1111"), ("PERSON", "Jane Doe"),
])
def test_another_key_gives_another_fake(entity, value):
    assert FakeFactory(KEY).fake(entity, value) != FakeFactory(b"another-key").fake(entity, value)


def test_a_card_written_with_or_without_separators_gets_the_same_digits(fakes):
    spaced = fakes.fake("CREDIT_CARD", "4111 1111 1111 1111")
    assert spaced.replace(" ", "") == fakes.fake("CREDIT_CARD", "4111111111111111")


def test_loopback_addresses_are_faked_within_loopback():
    import ipaddress

    from sanitizers import Sanitizer

    sanitizer = Sanitizer(key=b"loopback")
    event = {"request": {"url": "http://127.0.0.1:8000/x", "headers": [["Host", "127.0.0.1:8000"]],
                         "env": {"REMOTE_ADDR": "::1"}}}
    out = sanitizer.sanitize(event).event["request"]
    host, _, port = out["headers"][0][1].rpartition(":")
    assert port == "8000" and host != "127.0.0.1" and ipaddress.ip_address(host).is_loopback
    remote = ipaddress.ip_address(out["env"]["REMOTE_ADDR"])
    assert remote.ipv4_mapped is not None and remote.ipv4_mapped.is_loopback


def test_credential_names_are_faked_in_frame_vars_only_and_not_propagated():
    from sanitizers import Sanitizer

    frame = {"function": "load", "vars": {"k": "'secret_key'", "note": "the password field"}}
    event = {"exception": {"values": [{"type": "KeyError", "stacktrace": {"frames": [frame]}}]},
             "extra": {"setting": "secret_key"}}
    out = Sanitizer(key=b"names").sanitize(event).event
    faked = out["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]
    assert faked["k"] != "'secret_key'" and faked["k"].startswith("'") and len(faked["k"]) == len("'secret_key'")
    assert faked["note"] == "the password field" and out["extra"]["setting"] == "secret_key"


@pytest.mark.parametrize("name", ["Hans-H.", "Hans-Heinrich Meyer", "Anna-Lena", "Jean-Luc Picard", "Maria", "José María"])
def test_person_fakes_share_no_word_with_the_original(name):
    def words(text: str) -> set[str]:
        return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)}

    for key in (b"a", b"b", b"c", b"d", b"e"):
        fake = FakeFactory(key).fake("PERSON", name)
        assert not words(fake) & words(name), (name, fake)


@pytest.mark.parametrize("forms", [("+49 151 23456789", "0151 23456789", "0049 151 23456789", "+4915123456789"),
                                   ("+1 415 555 0100", "(415) 555-0100", "415-555-0100"),
                                   ("+33 4 92 81 59 43", "04 92 81 59 43")])
def test_one_phone_number_in_international_and_national_form_gets_one_fake(fakes, forms):
    """A privacy review: user.phone +49 151 ... and 0151 ... in the exception got two fakes."""
    from sanitizers._formats import national_number

    fakes_of = [fakes.fake("PHONE_NUMBER", form) for form in forms]
    assert len({national_number(fake) for fake in fakes_of}) == 1
    assert all(layout(fake) == layout(form) and fake != form for fake, form in zip(fakes_of, forms))


@given(st.text(alphabet="0123456789\u0663\u00b2", max_size=20))
def test_the_luhn_check_digit_is_the_first_digit_that_passes(body: str) -> None:
    """Computed, not tried digit by digit: the same digit for any body, even one with digits
    beyond ASCII (an original's brand prefix), for which luhn_valid's arithmetic is its own."""
    assert luhn_check_digit(body) == next(d for d in "0123456789" if luhn_valid(body + d))


@settings(max_examples=300)
@given(st.sampled_from(["+", "00", " +", "\t+", "+ ", "000"]),
       st.lists(st.sampled_from(["1", "7", "9", "4", "0", "35", "49", "998", "999", "80", "12345", "0000000", " ", "(0)",
                                 "-", ".", "/", ")", "x450", "x", "x0123456789"]), max_size=10))
@example("+", ["1", " " * 248, "2345678x12"])  # longer than the parse reads (250 characters): refused
@example("+", ["1", " " * 241, "2345678"])  # 250: read
@example("00", ["1", " " * 241, "2345678"])
def test_a_plain_international_number_has_the_calling_code_phonenumbers_reads(prefix: str, parts: list[str]) -> None:
    """_country_code_length reads a plain number's calling code itself: as phonenumbers' parse
    does, refusals (a leading zero, a code no country has, a text too long) included."""
    from sanitizers._formats import _country_code_length

    value = prefix + "".join(parts)
    text = "+" + value.lstrip()[2:] if value.lstrip().startswith("00") else value
    try:
        expected = len(str(phonenumbers.parse(text, None).country_code))
    except phonenumbers.NumberParseException:
        expected = 2
    _country_code_length.cache_clear()
    assert _country_code_length(value) == expected


@pytest.mark.parametrize("entity, value", [("CREDIT_CARD", "٤١١١ ١١١١ ١١١١ ١١١١"), ("CREDIT_CARD", "४१११ ११११ ११११ ११११"),
                                           ("PHONE_NUMBER", "+٤٩ ١٥١٢ ٣٤٥٦٧٨٩"), ("DATE_OF_BIRTH", "١٩٨٥-٠٧-٠٤"),
                                           ("USER_ID", "٥٨٧٥٩"), ("US_SSN", "٢١٩-٠٩-٩٩٩٩")])
def test_a_value_in_digits_beyond_ascii_gets_its_fake_in_the_same_digits(fakes, entity, value):
    """Made from its ASCII form (a card keeps its brand and a valid check digit, a phone its
    country code), written back in the value's own digits, and the same number in another script
    gets the same fake."""
    zero = ord(value.lstrip("+")[0]) - int(value.lstrip("+")[0])
    fake = fakes.fake(entity, value)
    assert fake != value and len(fake) == len(value)
    assert all(zero <= ord(c) <= zero + 9 for c in fake if c.isdecimal()), fake
    ascii_value = value.translate({zero + i: ord("0") + i for i in range(10)})
    assert fake.translate({zero + i: ord("0") + i for i in range(10)}) == fakes.fake(entity, ascii_value)
    if entity == "CREDIT_CARD":
        assert luhn_valid(fake.translate({zero + i: ord("0") + i for i in range(10)}).replace(" ", ""))
