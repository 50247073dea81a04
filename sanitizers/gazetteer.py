"""Word lists built from Faker's own locale data: first names, last names, street words.

They serve both sides: detection (a capitalized first name followed by a capitalized word is
probably a person) and faking (a fake name is drawn from the same script as the original).
Built from data Faker ships (nothing is downloaded) and kept in a cache file: importing Faker
and 48 of its locale modules costs about half a second of every process's start, which a
one-event ``replay sanitize`` at 3 a.m. should not pay each time.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import orjson

__all__ = ["LOCALES", "first_names", "last_names", "names_by_script", "street_words", "script_of"]

CACHE_ENV = "REPLAY_CACHE_DIR"

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
    return frozenset(_lists()["first_names"])


@cache
def last_names() -> frozenset[str]:
    return frozenset(_lists()["last_names"])


@cache
def names_by_script() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """(first names, last names) for each script key: ascii, latin (with diacritics), and others."""
    return {k: (tuple(f), tuple(l)) for k, (f, l) in _lists()["names_by_script"].items()}


@cache
def street_words() -> frozenset[str]:
    """Lower-cased street types in many languages: Street, Avenue, Rue, Via, Calle, Straße, ul. ..."""
    return frozenset(_lists()["street_words"])


@cache
def _lists() -> dict[str, Any]:
    """The four lists, from the cache file when one was built from this Faker and this module's
    code, else built now and written there (atomically; a cache that cannot be written is no error)."""
    path = _cache_path()
    if path is not None:
        try:
            lists = orjson.loads(path.read_bytes())
            if _well_formed(lists):
                return lists
        except (OSError, orjson.JSONDecodeError):
            pass  # absent, unreadable or damaged: built anew below
    lists = _build()
    if path is not None:
        _write(path, lists)
    return lists


def _build() -> dict[str, Any]:
    firsts: set[str] = set()
    for n in _person_names(("first_names", "first_names_male", "first_names_female", "first_romanized_names")):
        firsts.update(part for part in n.lower().split() if len(part) > 1)  # "Luiz Miguel" is two names
    lasts: set[str] = set()
    for n in _person_names(("last_names", "male_last_names", "last_names_male", "last_names_female",
                            "unisex_last_names", "last_romanized_names")):
        lasts.update(part for part in n.lower().split() if len(part) > 2 or part.upper() == part)  # 井上
    return {"first_names": sorted(firsts - _COMMON_WORDS), "last_names": sorted(lasts - _COMMON_WORDS),
            "names_by_script": _names_by_script(), "street_words": sorted(_street_words())}


def _names_by_script() -> dict[str, list[list[str]]]:
    buckets: dict[str, tuple[list[str], list[str]]] = {}
    firsts = _person_names(("first_names", "first_names_male", "first_names_female"))
    lasts = _person_names(("last_names", "male_last_names", "unisex_last_names"))
    for bucket_index, names in ((0, firsts), (1, lasts)):
        for n in names:
            if " " not in n and len(n) >= 2:
                buckets.setdefault(script_of(n), ([], []))[bucket_index].append(n)
    return {k: [sorted(set(f)), sorted(set(l))] for k, (f, l) in buckets.items() if f and l}  # as JSON has it


def _street_words() -> set[str]:
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
    return {w for w in words if w and " " not in w}


def _cache_path() -> Path | None:
    """``$REPLAY_CACHE_DIR`` (else the user's cache directory) / a name that changes with Faker's
    version and with this module's code, so an upgrade or an edit is never served stale lists."""
    spec = importlib.util.find_spec("faker")
    try:
        base = Path(os.environ.get(CACHE_ENV) or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        digest = hashlib.sha256(Path(__file__).read_bytes())
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())  # holds Faker's VERSION
    except (OSError, RuntimeError):  # RuntimeError: no home directory to be found
        return None
    directory = base if os.environ.get(CACHE_ENV) else base / "incident-replay"
    return directory / f"gazetteer-{digest.hexdigest()[:16]}.json"


def _write(path: Path, lists: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-", suffix=".tmp")
    except OSError:
        return  # a read-only disk: the lists stay in memory for this process
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(orjson.dumps(lists))
        os.replace(tmp, path)
    except OSError:  # a full disk
        Path(tmp).unlink(missing_ok=True)
        return
    for old in path.parent.glob("gazetteer-*.json"):  # lists of an older Faker or code
        if old != path:
            old.unlink(missing_ok=True)


def _well_formed(lists: Any) -> bool:
    return (isinstance(lists, dict)
            and all(isinstance(lists.get(k), list) for k in ("first_names", "last_names", "street_words"))
            and isinstance(lists.get("names_by_script"), dict)
            and all(isinstance(v, list) and len(v) == 2 for v in lists["names_by_script"].values()))


#: Code-point ranges of the scripts fakes are drawn from, checked in order.
SCRIPT_RANGES = (
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
        return next((name for low, high, name in SCRIPT_RANGES if low <= o < high), "other")
    return "latin"
