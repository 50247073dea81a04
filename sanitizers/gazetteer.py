"""Word lists built from Faker's own locale data: first names, last names, street words.

They serve both sides: detection (a capitalized first name followed by a capitalized word is
probably a person) and faking (a fake name is drawn from the same script as the original).
Loaded once per process, from data Faker ships: nothing is downloaded.
"""

from __future__ import annotations

import importlib
from functools import cache

__all__ = ["LOCALES", "first_names", "last_names", "names_by_script", "street_words", "script_of"]

LOCALES = (
    "en_US", "en_GB", "de_DE", "de_AT", "de_CH", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR",
    "pt_PT", "nl_NL", "pl_PL", "cs_CZ", "sk_SK", "sv_SE", "da_DK", "no_NO", "fi_FI", "hu_HU",
    "ro_RO", "hr_HR", "sl_SI", "tr_TR", "lv_LV", "lt_LT", "et_EE", "en_IE", "en_IN",
    "ru_RU", "uk_UA", "bg_BG", "el_GR", "ja_JP", "zh_CN", "ko_KR", "he_IL", "ar_AA",
)

# First names that are also everyday words in English log lines and error messages.
_COMMON_WORDS = {
    "will", "may", "june", "april", "august", "grant", "bill", "page", "chase", "mark", "rich",
    "sunny", "joy", "hope", "faith", "summer", "autumn", "dawn", "rose", "ruby", "amber",
    "crystal", "iris", "jade", "pearl", "lily", "violet", "holly", "ivy", "art", "don", "guy",
    "ray", "jack", "frank", "max", "king", "major", "precious", "honey", "angel", "star",
    "sky", "rain", "river", "storm", "young", "miles", "price", "mason", "hunter", "carter",
    "cash", "clay", "gay", "love", "patience", "destiny", "harmony", "unique", "royal",
    "justice", "see", "else", "case", "long", "lane", "dale", "sandy", "woody", "buck",
    "chance", "christian", "august", "sterling", "neil", "nell", "lee", "an", "so", "man",
    "general", "liberty", "constant", "valid", "ok", "wade", "reed", "drew", "pat", "sol",
    "dash", "trace", "lance", "gene", "harley", "ford", "york", "paris", "london", "berlin",
    "china", "india", "jordan", "georgia", "virginia", "carolina", "florence", "chelsea",
    "de", "la", "le", "van", "von", "el", "del", "da", "di", "do", "no", "one", "ali",
    "ok", "kit", "bob", "rob", "sue", "tim", "tom", "ben", "jan", "mai", "juni", "juli",
}


def _provider_attr(module: str, locale: str, names: tuple[str, ...]) -> list[str]:
    try:
        provider = importlib.import_module(f"faker.providers.{module}.{locale}").Provider
    except ModuleNotFoundError:
        return []
    out: list[str] = []
    for name in names:
        value = getattr(provider, name, None)
        if isinstance(value, dict):
            out.extend(value.keys())
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, str))
    return out


def _person_names(attributes: tuple[str, ...]) -> list[str]:
    """Faker's person-provider lists of every locale in :data:`LOCALES`."""
    return [n for loc in LOCALES for n in _provider_attr("person", loc, attributes)]


@cache
def first_names() -> frozenset[str]:
    """Lower-cased first names of all locales, without everyday words."""
    names = set()
    for n in _person_names(("first_names", "first_names_male", "first_names_female", "first_romanized_names")):
        names.update(part for part in n.lower().split() if len(part) > 1)  # "Luiz Miguel" is two names
    return frozenset(names - _COMMON_WORDS)


@cache
def last_names() -> frozenset[str]:
    names = set()
    for n in _person_names(("last_names", "male_last_names", "last_names_male", "last_names_female",
                            "unisex_last_names", "last_romanized_names")):
        names.update(part for part in n.lower().split() if len(part) > 2 or part.upper() == part)  # 井上
    return frozenset(names - _COMMON_WORDS)


@cache
def names_by_script() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """(first names, last names) for each script key: ascii, latin (with diacritics), and others."""
    buckets: dict[str, tuple[list[str], list[str]]] = {}
    firsts = _person_names(("first_names", "first_names_male", "first_names_female"))
    lasts = _person_names(("last_names", "male_last_names", "unisex_last_names"))
    for bucket_index, names in ((0, firsts), (1, lasts)):
        for n in names:
            if " " not in n and len(n) >= 2:
                buckets.setdefault(script_of(n), ([], []))[bucket_index].append(n)
    return {k: (tuple(sorted(set(f))), tuple(sorted(set(l)))) for k, (f, l) in buckets.items() if f and l}


@cache
def street_words() -> frozenset[str]:
    """Lower-cased street types in many languages: Street, Avenue, Rue, Via, Calle, Straße, ul. ..."""
    words = {"street", "st", "st.", "avenue", "ave", "ave.", "road", "rd", "rd.", "boulevard",
             "blvd", "lane", "ln", "drive", "dr", "court", "ct", "place", "pl", "square", "way",
             "rue", "avenue", "chemin", "impasse", "allée", "via", "viale", "piazza", "corso",
             "calle", "avenida", "paseo", "plaza", "carrer", "rua", "travessa", "largo",
             "straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "ring", "damm",
             "ul.", "al.", "pl.", "os.", "straat", "laan", "plein", "gracht", "kade", "vej",
             "gatan", "gata", "vägen", "tie", "katu", "utca", "ulica", "aleja",
             "c.", "c/", "avda.", "av.", "pza.", "trav.", "r.", "rua.", "bd", "bd."}
    for loc in ("en_US", "en_GB", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT", "pl_PL", "nl_NL", "de_DE"):
        for w in _provider_attr("address", loc, ("street_suffixes", "street_prefixes",
                                                  "street_suffixes_long", "street_suffixes_short",
                                                  "street_prefixes_feminine", "street_prefixes_masculine")):
            words.add(w.strip().lower())
    return frozenset(w for w in words if w and " " not in w)


#: Code-point ranges of the scripts fakes are drawn from, checked in order.
_SCRIPT_RANGES = (
    (0x80, 0x250, "latin"), (0x1E00, 0x1F00, "latin"), (0x370, 0x400, "greek"),
    (0x400, 0x530, "cyrillic"), (0x590, 0x600, "hebrew"), (0x600, 0x700, "arabic"),
    (0x3040, 0x3100, "kana"), (0xAC00, 0xD7B0, "hangul"), (0x4E00, 0xA000, "cjk"),
)


def script_of(text: str) -> str:
    """A coarse script key: 'ascii', 'latin' (with diacritics), 'cyrillic', 'greek', 'cjk', ..."""
    if text.isascii():
        return "ascii"
    for ch in text:
        o = ord(ch)
        if o < 0x80 or not ch.isalpha():
            continue
        return next((name for low, high, name in _SCRIPT_RANGES if low <= o < high), "other")
    return "latin"
