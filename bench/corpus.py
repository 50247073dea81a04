"""Seeded generator of realistic Sentry error events with planted personal and technical values.

It is the measuring stick for the sanitizer: every personal value (e-mail, card, IBAN, ...)
and every technical value (order id, SKU, version, ...) that is planted into an event is
recorded in a truth file, so ``bench/score.py`` can tell what leaked and what survived.

Usage::

    python bench/corpus.py --events 1000 --seed 7 --out events.jsonl --truth truth.json

Output is byte-identical for the same seed (all randomness flows from ``random.Random``
instances derived from the seed and the event index; nothing depends on hash order).
Each event is self-checked against the scorer before it is accepted: every planted
personal value must be detectable, and removing them textually must leave no leak and
every technical value intact. Events that fail (e.g. a first name that happens to be a
word of a product name) are re-rolled deterministically.
"""

from __future__ import annotations

import argparse
import base64
import copy
import ipaddress
import json
import random
import re
import sys
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import quote, urlencode

import orjson
from faker import Faker
from faker.providers.address.it_IT import Provider as ItalianAddressProvider

if __package__:
    from . import score as scoring
else:  # run as a script: python bench/corpus.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import score as scoring

# --------------------------------------------------------------------------- vocabulary

TRUTH_VERSION = 1

# fmt: off
PERSONAL_KINDS: tuple[str, ...] = (
    "email", "card", "iban", "ip", "ssn", "secret", "token", "password", "jwt", "basic_auth",
    "name", "username", "user_id", "phone", "address", "dob",
)
TECHNICAL_KINDS: tuple[str, ...] = (
    "order_id", "sku", "product", "enum", "version", "release", "feature_flag", "request_id",
    "trace_id", "amount", "currency", "timestamp", "path", "http_status", "country", "module",
    "exception_type",
)

#: Home locales (names, addresses, phones, IBANs, national ids) with sampling weights.
HOME_LOCALES: tuple[tuple[str, int], ...] = (
    ("en_US", 18), ("de_DE", 16), ("fr_FR", 14), ("es_ES", 10),
    ("it_IT", 10), ("pl_PL", 8), ("nl_NL", 8), ("pt_BR", 8),
)
# fmt: on
#: Customers whose *names* come from these locales (living in one of the home locales).
NAME_ONLY_LOCALES: tuple[str, ...] = ("ru_RU", "ja_JP")
NAME_ONLY_PROBABILITY = 0.1

COUNTRY = {
    "en_US": "US",
    "de_DE": "DE",
    "fr_FR": "FR",
    "es_ES": "ES",
    "it_IT": "IT",
    "pl_PL": "PL",
    "nl_NL": "NL",
    "pt_BR": "BR",
}
CURRENCY = {"US": "USD", "PL": "PLN", "BR": "BRL"}  # everything else EUR
ACCEPT_LANGUAGE = {
    "en_US": "en-US,en;q=0.9",
    "de_DE": "de-DE,de;q=0.9,en;q=0.8",
    "fr_FR": "fr-FR,fr;q=0.9",
    "es_ES": "es-ES,es;q=0.9",
    "it_IT": "it-IT,it;q=0.9",
    "pl_PL": "pl-PL,pl;q=0.9,en;q=0.7",
    "nl_NL": "nl-NL,nl;q=0.9",
    "pt_BR": "pt-BR,pt;q=0.9",
}
DOB_FORMATS = {"en_US": "%m/%d/%Y", "de_DE": "%d.%m.%Y", "pl_PL": "%d.%m.%Y", "nl_NL": "%d-%m-%Y"}

PRODUCTS: tuple[tuple[str, str], ...] = (
    ("Merino Wool Sweater", "MWS"),
    ("Trail Running Shoes", "TRS"),
    ("Espresso Machine Pro", "EMP"),
    ("Noise Cancelling Headphones", "NCH"),
    ("Cast Iron Skillet", "CIS"),
    ("Linen Duvet Cover", "LDC"),
    ("Ceramic Pour-Over Set", "CPO"),
    ("Waterproof Hiking Jacket", "WHJ"),
    ("Bamboo Cutting Board", "BCB"),
    ("Smart LED Desk Lamp", "SDL"),
    ("Organic Cotton T-Shirt", "OCT"),
    ("Stainless Steel Bottle", "SSB"),
    ("Yoga Mat Premium", "YMP"),
    ("Mechanical Keyboard TKL", "MKT"),
    ("Leather Card Wallet", "LCW"),
)
SIZES = ("XS", "S", "M", "L", "XL", "XXL", "OS")
FEATURE_FLAGS = (
    "new_checkout_flow",
    "express_pay_v2",
    "search_rerank_ml",
    "one_click_reorder",
    "address_autocomplete",
    "sepa_instant",
    "loyalty_points_v3",
)
DECLINE_CODES = ("card_declined", "insufficient_funds", "expired_card", "do_not_honor", "processing_error")
ORDER_STATES = ("pending", "awaiting_payment", "payment_failed", "on_hold")
TIERS = ("bronze", "silver", "gold", "platinum")
MODULE_VERSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("django", ("4.2.11", "4.2.13", "5.0.6")),
    ("stripe", ("8.5.0", "9.6.0", "9.9.0")),
    ("psycopg2-binary", ("2.9.9",)),
    ("celery", ("5.3.6", "5.4.0")),
    ("requests", ("2.31.0", "2.32.3")),
    ("redis", ("5.0.3", "5.0.7")),
    ("elasticsearch", ("8.13.0", "8.14.0")),
    ("geopy", ("2.4.1",)),
    ("djangorestframework", ("3.15.1",)),
    ("gunicorn", ("22.0.0",)),
)
SDK_VERSIONS = ("1.45.0", "2.3.1", "2.7.1")
PY_VERSIONS = ("3.11.9", "3.12.3")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "AcmeShop/3.8.1 (iOS 17.4; iPhone15,2)",
)
BROWSERS = {"Chrome": "124.0.0", "Safari": "17.4", "Firefox": "125.0", "Mobile Safari": "17.4"}
HOST = "api.acme-shop.eu"
EPOCH_START = 1735689600  # 2025-01-01T00:00:00Z
SCENARIOS: tuple[tuple[str, int], ...] = (("checkout", 45), ("profile", 30), ("search", 25))
MAX_ATTEMPTS = 25
B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEX = "0123456789abcdef"


# --------------------------------------------------------------------------- helpers


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    """Random string from an alphabet (tokens, keys, ids)."""
    return "".join(rng.choice(alphabet) for _ in range(n))


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    """Pick from (value, weight) pairs without relying on dict/set order."""
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _uuid(rng: random.Random) -> str:
    """Deterministic UUID4 string."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _ascii_slug(text: str) -> str:
    """Transliterate-ish a name into an e-mail local part ('Jörg' -> 'jorg'); '' for CJK/Cyrillic."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "", folded)


def luhn_complete(body: str) -> str:
    """Append the Luhn check digit so cards look valid to a Luhn-based detector."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def _group(digits: str, sizes: Sequence[int], sep: str) -> str:
    parts, i = [], 0
    for size in sizes:
        parts.append(digits[i : i + size])
        i += size
    return sep.join(p for p in parts if p)


def make_card(rng: random.Random) -> tuple[str, str]:
    """(brand, formatted number): Visa 16, Amex 15, Mastercard 2-series, 19-digit UnionPay/Visa."""
    brand = rng.choice(("visa", "visa", "amex", "mastercard", "mastercard", "unionpay19"))
    sep = rng.choice((" ", "-", ""))
    if brand == "amex":
        number = luhn_complete(rng.choice(("34", "37")) + _rand(rng, "0123456789", 12))
        return brand, _group(number, (4, 6, 5), sep)
    if brand == "mastercard":
        number = luhn_complete(str(rng.randint(2221, 2720)) + _rand(rng, "0123456789", 11))
    elif brand == "unionpay19":
        prefix = rng.choice(("62", "4"))
        number = luhn_complete(prefix + _rand(rng, "0123456789", 18 - len(prefix)))
    else:
        number = luhn_complete("4" + _rand(rng, "0123456789", 14))
    return brand, _group(number, (4, 4, 4, 4, 3), sep)


# --------------------------------------------------------------------------- persona


@dataclass
class Persona:
    """One customer; values are only recorded in the truth once actually planted."""

    locale: str
    country: str
    first: str
    last: str
    email: str
    username: str
    user_id: str
    phone: str
    street: str
    postcode: str
    city: str
    address_line: str
    iban: str
    ssn: str
    dob: str
    password: str
    ip: str
    card_brand: str
    card: str
    family_first: bool = False  # ja_JP / ru_RU customers often write the family name first

    @property
    def full(self) -> str:
        return f"{self.last} {self.first}" if self.family_first else f"{self.first} {self.last}"


class Fakers:
    """One Faker per locale, re-seeded from the event rng so each event is independent."""

    def __init__(self) -> None:
        locales = [loc for loc, _ in HOME_LOCALES] + list(NAME_ONLY_LOCALES)
        self._by_locale = {loc: Faker(loc) for loc in locales}

    def get(self, locale: str, rng: random.Random) -> Faker:
        fake = self._by_locale[locale]
        fake.seed_instance(rng.getrandbits(64))
        return fake


def _national_id(fake: Faker, locale: str, rng: random.Random) -> str:
    """Locale-appropriate national id (SSN, NIR, NIF, codice fiscale, PESEL, BSN, CPF, Steuer-ID)."""
    if locale == "pt_BR":
        return fake.cpf()
    if locale == "pl_PL":
        return fake.pesel()
    if locale == "es_ES":  # Faker's nif() depends on PYTHONHASHSEED; build DNI/NIF ourselves
        number = rng.randint(10_000_000, 99_999_999)
        return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"
    if locale == "de_DE":
        digits = str(rng.randint(1, 9)) + _rand(rng, "0123456789", 10)
        return _group(digits, (2, 3, 3, 3), " ") if rng.random() < 0.5 else digits
    return fake.ssn()  # en_US, fr_FR (NIR), it_IT (codice fiscale), nl_NL (BSN)


_IT_CITIES: tuple[str, ...] = tuple(sorted(set(ItalianAddressProvider.cities)))


def make_persona(fakers: Fakers, rng: random.Random) -> Persona:
    """Draw a coherent customer from one home locale (names sometimes ru_RU / ja_JP)."""
    locale = _weighted(rng, HOME_LOCALES)
    fake = fakers.get(locale, rng)
    name_fake = fake
    family_first = False
    if rng.random() < NAME_ONLY_PROBABILITY:
        name_fake = fakers.get(rng.choice(NAME_ONLY_LOCALES), rng)
        family_first = rng.random() < 0.5
    first, last = name_fake.first_name(), name_fake.last_name()
    first_slug, last_slug = _ascii_slug(first), _ascii_slug(last)
    username = _ascii_slug(fake.user_name()) or f"user{rng.randint(1000, 99999)}"
    if first_slug and last_slug and rng.random() < 0.5:  # people usually derive it from their name
        username = rng.choice((f"{first_slug}{last_slug[:1]}", f"{first_slug[:1]}{last_slug}")) + str(
            rng.randint(1, 999)
        )
    if first_slug and last_slug:
        local = rng.choice(
            (
                f"{first_slug}.{last_slug}",
                f"{first_slug[0]}{last_slug}",
                f"{first_slug}_{last_slug}{rng.randint(1, 99)}",
                f"{last_slug}.{first_slug}",
                username,
            )
        )
    else:
        local = username
    email = f"{local}@{fake.free_email_domain()}"
    user_id = str(rng.randint(100000, 9999999)) if rng.random() < 0.5 else "cus_" + _rand(rng, B62, 14)
    street, postcode = fake.street_address(), fake.postcode()
    # it_IT city() draws from a set-derived list (order varies with PYTHONHASHSEED): sort it first.
    city = fake.random_element(_IT_CITIES) if locale == "it_IT" else fake.city()
    if locale == "en_US":
        address_line = f"{street}, {city}, {fake.state_abbr()} {postcode}"
    elif locale == "pt_BR":
        address_line = f"{street}, {city} - {postcode}"
    else:
        address_line = f"{street}, {postcode} {city}"
    iban = fake.iban()
    if rng.random() < 0.5:
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    dob_date = fake.date_of_birth(minimum_age=18, maximum_age=85)
    dob_fmt = DOB_FORMATS.get(locale, "%d/%m/%Y") if rng.random() < 0.6 else "%Y-%m-%d"
    if rng.random() < 0.8:
        ip = fake.ipv4_public()
    else:  # residential ISP ranges (Deutsche Telekom, RIPE, ARIN) rather than random 128-bit noise
        prefix = rng.choice((0x2003, 0x2A02, 0x2A01, 0x2600, 0x2804))
        ip = ipaddress.IPv6Address((prefix << 112) | rng.getrandbits(112)).compressed
    brand, card = make_card(rng)
    return Persona(
        locale=locale,
        country=COUNTRY[locale],
        first=first,
        last=last,
        email=email,
        username=username,
        user_id=user_id,
        phone=fake.phone_number(),
        street=street,
        postcode=postcode,
        city=city,
        address_line=address_line,
        iban=iban,
        ssn=_national_id(fake, locale, rng),
        dob=dob_date.strftime(dob_fmt),
        password=fake.password(length=rng.randint(10, 16)),
        ip=ip,
        card_brand=brand,
        card=card,
        family_first=family_first,
    )


# --------------------------------------------------------------------------- recorder


@dataclass
class Recorder:
    """Collects what was planted where; one truth entry per distinct (kind, value) per event."""

    personal: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    technical: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def pii(
        self,
        kind: str,
        value: str,
        where: str,
        *,
        subkind: str | None = None,
        forms: Sequence[str] = (),
        parts: Sequence[str] = (),
    ) -> str:
        """Record a planted personal value and return it for inline use."""
        assert kind in PERSONAL_KINDS, kind
        entry = self.personal.setdefault(
            (kind, value), {"kind": kind, "value": value, "where": [], "forms": [], "parts": list(parts)}
        )
        if subkind and "subkind" not in entry:
            entry["subkind"] = subkind
        if where not in entry["where"]:
            entry["where"].append(where)
        for form in forms:
            if form not in entry["forms"]:
                entry["forms"].append(form)
        return value

    def tech(self, kind: str, value: Any, where: str) -> Any:
        """Record a planted technical value and return it for inline use."""
        assert kind in TECHNICAL_KINDS, kind
        entry = self.technical.setdefault((kind, repr(value)), {"kind": kind, "value": value, "where": []})
        if where not in entry["where"]:
            entry["where"].append(where)
        return value


# --------------------------------------------------------------------------- event builder


class EventBuilder:
    """Builds one event for one scenario; all randomness from ``rng``."""

    def __init__(self, rng: random.Random, fakers: Fakers, index: int) -> None:
        self.rng = rng
        self.fakers = fakers
        self.index = index
        self.rec = Recorder()
        self.p = make_persona(fakers, rng)
        self.scenario = _weighted(rng, SCENARIOS)
        self.ts = round(EPOCH_START + rng.uniform(0, 180 * 86400), 3)
        self.trace_id = _rand(rng, HEX, 32)
        self.span_id = _rand(rng, HEX, 16)
        self.request_id = _uuid(rng)
        self.order_id = f"ORD-{2024 + rng.randint(0, 1)}-{rng.randint(1, 999999):06d}"
        self.currency = CURRENCY.get(self.p.country, "EUR")
        self.items = self._items()
        self.amount_cents = sum(q * c for _, _, q, c in self.items) + rng.choice((0, 499, 990))
        self.amount = f"{self.amount_cents / 100:.2f}"
        self.release = f"shop@1.{rng.randint(2, 9)}.{rng.randint(0, 12)}"
        self.flags = sorted(rng.sample(FEATURE_FLAGS, rng.randint(1, 3)))
        self.platform = "python" if rng.random() < 0.85 else "node"
        self.search_q = ""

    # ---- small planting helpers ------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def iso(self, offset: float = 0.0) -> str:
        """ISO timestamp near the event time (technical)."""
        return datetime.fromtimestamp(self.ts + offset, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def _items(self) -> list[tuple[str, str, int, int]]:
        """(product, sku, qty, unit cents) lines of the cart."""
        out = []
        for name, code in self.rng.sample(PRODUCTS, self.rng.choice((1, 1, 2, 2, 3))):
            sku = f"SKU-{code[:2]}{self.rng.randint(10, 99)}-{self.rng.choice(SIZES)}"
            out.append((name, sku, self.rng.randint(1, 3), self.rng.randint(499, 34999)))
        return out

    def name(self, where: str) -> str:
        return self.rec.pii("name", self.p.full, where)

    def email(self, where: str) -> str:
        return self.rec.pii("email", self.p.email, where)

    def jwt(self, where: str) -> str:
        """HS256 JWT whose payload carries sub/email/name (the classic leak via Authorization)."""
        header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
        claims = {"sub": self.p.user_id, "email": self.p.email, "name": self.p.full, "exp": int(self.ts) + 3000}
        payload = _b64url(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
        signature = _b64url(self.rng.randbytes(32))
        token = f"{header}.{payload}.{signature}"
        return self.rec.pii("jwt", token, where, parts=(payload, signature))

    def secret(self, subkind: str, where: str) -> str:
        """Provider-shaped secrets that secret scanners know."""
        r = self.rng
        if subkind == "stripe_secret_key":
            value = "sk_live_" + _rand(r, B62, 24)
        elif subkind == "github_pat":
            value = "ghp_" + _rand(r, B62, 36)
        elif subkind == "aws_access_key_id":
            value = "AKIA" + _rand(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        elif subkind == "aws_secret_access_key":
            value = _rand(r, B62 + "+/", 40)
        elif subkind == "slack_bot_token":
            value = f"xoxb-{r.randint(10**10, 10**11 - 1)}-{r.randint(10**12, 10**13 - 1)}-{_rand(r, B62, 24)}"
        elif subkind == "sendgrid_api_key":
            value = f"SG.{_rand(r, B62, 22)}.{_rand(r, B62, 43)}"
        else:
            raise ValueError(subkind)
        return self.rec.pii("secret", value, where, subkind=subkind)

    def pem_block(self, where: str) -> str:
        """EC private key PEM; the body is the secret, each line also counts if kept."""
        der = (
            bytes.fromhex("30770201010420")
            + self.rng.randbytes(32)
            + bytes.fromhex("a00a06082a8648ce3d030107a144034200")
            + self.rng.randbytes(65)
        )
        body_b64 = base64.b64encode(der).decode()
        lines = [body_b64[i : i + 64] for i in range(0, len(body_b64), 64)]
        body = "\n".join(lines)
        self.rec.pii("secret", body, where, subkind="pem_private_key", parts=[ln for ln in lines if len(ln) >= 16])
        return f"-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----"

    def db_url(self, where: str) -> str:
        """Connection string with an inline password."""
        pw = _rand(self.rng, B62, self.rng.randint(12, 20))
        user = self.rng.choice(("shop_app", "shop_rw", "checkout_svc"))
        self.rec.pii("password", pw, where, subkind="db_password")
        scheme = self.rng.choice(("postgres", "postgresql"))
        return f"{scheme}://{user}:{pw}@db-primary.internal:5432/shop"

    def token(self, subkind: str, where: str, n: int = 32) -> str:
        return self.rec.pii("token", _rand(self.rng, B62, n), where, subkind=subkind)

    def card_value(self, where: str) -> str:
        return self.rec.pii("card", self.p.card, where, subkind=self.p.card_brand)

    # ---- sections ---------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        """Assemble the full event (section order matches what Sentry stores)."""
        r, rec = self.rng, self.rec
        method, path, transaction, query, data, content_type = getattr(self, f"_{self.scenario}_request")()
        event: dict[str, Any] = {
            "event_id": _rand(r, HEX, 32),
            "timestamp": rec.tech("timestamp", self.ts, "timestamp"),
            "platform": self.platform,
            "level": "error" if self.scenario != "search" or self.chance(0.5) else "warning",
            "server_name": f"web-{r.randint(1, 12)}",
            "release": rec.tech("release", self.release, "release"),
            "environment": r.choice(("production", "production", "staging")),
            "transaction": rec.tech("path", transaction, "transaction"),
        }
        event["request"] = self._request(method, path, query, data, content_type)
        event["user"] = self._user()
        event["exception"] = {"values": getattr(self, f"_{self.scenario}_exception")()}
        event["breadcrumbs"] = {"values": self._breadcrumbs()}
        if self.chance(0.4):
            event["logentry"] = self._logentry()
        event["tags"] = self._tags()
        event["contexts"] = self._contexts()
        event["extra"] = self._extra()
        event["modules"] = self._modules()
        event["sdk"] = self._sdk()
        return event

    # request ---------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, query: list[tuple[str, str]], data: Any, content_type: str | None
    ) -> dict[str, Any]:
        r, rec, p = self.rng, self.rec, self.p
        qs = urlencode(query)
        url = f"https://{HOST}{path}"
        if qs and self.chance(0.4):
            url += "?" + qs  # some SDKs keep the query in the URL as well
        headers: list[list[str]] = [["User-Agent", r.choice(USER_AGENTS)]]
        if self.chance(0.5):
            headers.append(["Accept-Language", ACCEPT_LANGUAGE[p.locale]])
        auth = r.random()
        if auth < 0.45:
            headers.append(["Authorization", "Bearer " + self.jwt("request.headers.Authorization")])
        elif auth < 0.6:
            cred = f"{p.username}:{p.password}"
            b64 = base64.b64encode(cred.encode()).decode()
            rec.pii("basic_auth", cred, "request.headers.Authorization", forms=[b64])
            headers.append(["Authorization", "Basic " + b64])
        session = self.token("session_id", "request.cookies.sessionid")
        csrf = self.token("csrf_token", "request.cookies.csrftoken", 32)
        cart_id = "cart_" + _rand(r, HEX, 12)
        cookie_pairs = [("sessionid", session), ("csrftoken", csrf), ("cart_id", cart_id)]
        cookie_header = "; ".join(f"{k}={v}" for k, v in cookie_pairs)
        if self.chance(0.5):
            headers.append(["Cookie", cookie_header])
        proxy = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        headers.append(["X-Forwarded-For", f"{rec.pii('ip', p.ip, 'request.headers.X-Forwarded-For')}, {proxy}"])
        headers.append(["X-Request-Id", rec.tech("request_id", self.request_id, "request.headers.X-Request-Id")])
        request: dict[str, Any] = {"url": url, "method": method}
        if query:
            request["query_string"] = [list(kv) for kv in query] if self.chance(0.5) else qs
        if data is not None:
            request["data"] = data
            request["inferred_content_type"] = content_type
        if "Cookie" not in dict(headers) or self.chance(0.3):
            request["cookies"] = {k: v for k, v in cookie_pairs} if self.chance(0.6) else cookie_header
        request["headers"] = headers
        request["env"] = {"REMOTE_ADDR": rec.pii("ip", p.ip, "request.env.REMOTE_ADDR") if self.chance(0.7) else proxy}
        return request

    def _encode_body(self, body: dict[str, Any], form_ok: bool) -> tuple[Any, str]:
        """JSON dict (most SDKs), form-encoded string, or raw JSON text (body not parsed)."""
        mode = self.rng.random()
        if form_ok and mode < 0.25:
            flat = [(k, v) for k, v in body.items() if isinstance(v, (str, int))]
            return urlencode(flat), "application/x-www-form-urlencoded"
        if mode < 0.4:
            return json.dumps(body, ensure_ascii=self.chance(0.5)), "application/json"
        return body, "application/json"

    def _checkout_request(self) -> tuple[str, str, str, list[tuple[str, str]], Any, str | None]:
        r, rec, p = self.rng, self.rec, self.p
        if self.chance(0.5):
            path = rec.tech("path", "/api/checkout", "request.url")
            transaction = "/api/checkout"
        else:
            path = f"/api/orders/{self.order_id}/pay"
            transaction = "/api/orders/{order_id}/pay"
        sepa = self.chance(0.3)
        customer: dict[str, Any] = {
            "name": self.name("request.data.customer.name"),
            "email": self.email("request.data.customer.email"),
            "phone": rec.pii("phone", p.phone, "request.data.customer.phone"),
            "address": {
                "street": rec.pii("address", p.street, "request.data.customer.address.street"),
                "postcode": p.postcode,
                "city": p.city,
                "country": rec.tech("country", p.country, "request.data.customer.address.country"),
            },
        }
        if sepa:
            payment: dict[str, Any] = {
                "method": "sepa_debit",
                "iban": rec.pii("iban", p.iban, "request.data.payment.iban"),
                "mandate_accepted": True,
            }
        else:
            payment = {
                "method": "card",
                "card": {
                    "number": self.card_value("request.data.payment.card.number"),
                    "exp_month": r.randint(1, 12),
                    "exp_year": r.randint(2025, 2031),
                    "holder": self.name("request.data.payment.card.holder"),
                },
            }
        items = [
            {
                "sku": rec.tech("sku", sku, "request.data.items"),
                "name": rec.tech("product", name, "request.data.items"),
                "qty": qty,
                "price": cents,
            }
            for name, sku, qty, cents in self.items
        ]
        body: dict[str, Any] = {
            "order_id": rec.tech("order_id", self.order_id, "request.data.order_id"),
            "customer": customer,
            "payment": payment,
            "items": items,
            "amount_cents": rec.tech("amount", self.amount_cents, "request.data.amount_cents"),
            "currency": rec.tech("currency", self.currency, "request.data.currency"),
            "status": rec.tech("enum", r.choice(ORDER_STATES), "request.data.status"),
        }
        if self.chance(0.3):
            sender = self.fakers.get(p.locale, r).first_name()
            body["gift_message"] = (
                f"Happy birthday {rec.pii('name', p.first, 'request.data.gift_message')}! "
                f"Love, {rec.pii('name', sender, 'request.data.gift_message')}"
            )
        data, ctype = self._encode_body(body, form_ok=False)
        return "POST", path, transaction, [], data, ctype

    def _profile_request(self) -> tuple[str, str, str, list[tuple[str, str]], Any, str | None]:
        r, rec, p = self.rng, self.rec, self.p
        if self.chance(0.6):
            path = f"/api/users/{rec.pii('user_id', p.user_id, 'request.url')}/profile"
            rec.tech("path", "/api/users", "request.url")
            transaction = "/api/users/{user_id}/profile"
        else:
            email = self.email("request.url")
            path = f"/api/account/{quote(email) if self.chance(0.5) else email}/settings"
            rec.tech("path", "/api/account", "request.url")
            transaction = "/api/account/{email}/settings"
        body: dict[str, Any] = {
            "first_name": rec.pii("name", p.first, "request.data.first_name"),
            "last_name": rec.pii("name", p.last, "request.data.last_name"),
            "email": self.email("request.data.email"),
            "phone": rec.pii("phone", p.phone, "request.data.phone"),
            "date_of_birth": rec.pii("dob", p.dob, "request.data.date_of_birth"),
            "address": rec.pii("address", p.address_line, "request.data.address"),
            "newsletter": rec.tech("enum", r.choice(("weekly", "monthly", "never")), "request.data.newsletter"),
        }
        if self.chance(0.5):
            body["tax_id"] = rec.pii("ssn", p.ssn, "request.data.tax_id")
        if self.chance(0.6):
            body["current_password"] = rec.pii("password", p.password, "request.data.current_password")
        if self.chance(0.3):
            body["iban"] = rec.pii("iban", p.iban, "request.data.iban")
        query: list[tuple[str, str]] = []
        if self.chance(0.4):
            query = [("lang", p.locale.replace("_", "-")), ("return_to", "/account")]
        data, ctype = self._encode_body(body, form_ok=True)
        return r.choice(("PUT", "PATCH", "POST")), path, transaction, query, data, ctype

    def _search_request(self) -> tuple[str, str, str, list[tuple[str, str]], Any, str | None]:
        r, rec, p = self.rng, self.rec, self.p
        path = rec.tech("path", "/api/search", "request.url")
        pick = r.random()
        if pick < 0.35:
            q = self.name("request.query_string.q")  # support staff searching a customer
        elif pick < 0.55:
            q = self.email("request.query_string.q")
        elif pick < 0.7:
            q = rec.pii("phone", p.phone, "request.query_string.q")
        else:
            q = rec.tech("product", self.items[0][0].split()[0].lower(), "request.query_string.q")
        self.search_q = q
        query = [
            ("q", q),
            ("page", str(r.randint(1, 5))),
            ("sort", rec.tech("enum", r.choice(("price_asc", "price_desc", "relevance")), "request.query_string.sort")),
        ]
        if self.chance(0.5):
            query.append(("email", self.email("request.query_string.email")))
        if self.chance(0.3):
            query.append(("token", self.token("reset_token", "request.query_string.token", 24)))
        return "GET", path, "/api/search", query, None, None

    # user -------------------------------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        rec, p = self.rec, self.p
        user: dict[str, Any] = {"id": rec.pii("user_id", p.user_id, "user.id")}
        if self.chance(0.85):
            user["email"] = self.email("user.email")
        user["ip_address"] = self.rec.pii("ip", p.ip, "user.ip_address")
        if self.chance(0.7):
            user["username"] = rec.pii("username", p.username, "user.username")
        if self.chance(0.6):
            user["name"] = self.name("user.name")
        user["geo"] = {"country_code": rec.tech("country", p.country, "user.geo.country_code")}
        return user

    # exceptions -------------------------------------------------------------------------------

    def _frame(
        self, module: str, function: str, lineno: int, line: str, vars_: dict[str, Any] | None
    ) -> dict[str, Any]:
        is_py = self.platform == "python"
        filename = module.replace(".", "/") + (".py" if is_py else ".js")
        frame: dict[str, Any] = {
            "filename": filename,
            "function": function,
            "module": module,
            "lineno": lineno,
            "in_app": True,
        }
        if vars_:
            frame["context_line"] = line
        if vars_:
            frame["vars"] = vars_ if is_py else {k: v.strip("'") if isinstance(v, str) else v for k, v in vars_.items()}
        return frame

    def _secret_var(self, vars_: dict[str, Any], where: str) -> None:
        """Sprinkle credentials into frame locals (settings objects, clients, config dicts)."""
        r = self.rng
        pick = r.random()
        if pick < 0.3:
            vars_["api_key"] = repr(self.secret("stripe_secret_key", where))
        elif pick < 0.45:
            vars_["token"] = repr(self.secret("github_pat", where))
        elif pick < 0.6:
            vars_["aws_credentials"] = repr(
                {
                    "aws_access_key_id": self.secret("aws_access_key_id", where),
                    "aws_secret_access_key": self.secret("aws_secret_access_key", where),
                }
            )
        elif pick < 0.72:
            vars_["slack_token"] = repr(self.secret("slack_bot_token", where))
        elif pick < 0.8:
            vars_["signing_key"] = repr(self.pem_block(where))
        elif pick < 0.9:
            vars_["sendgrid_key"] = repr(self.secret("sendgrid_api_key", where))
        else:
            vars_["database_url"] = repr(self.db_url(where))

    def _customer_repr(self, where: str) -> str:
        """Objects that exceed the serializer depth arrive as repr() strings."""
        p = self.p
        shown = {"id": self.rec.pii("user_id", p.user_id, where), "email": self.email(where), "name": self.name(where)}
        if self.chance(0.4):
            shown["phone"] = self.rec.pii("phone", p.phone, where)
        return repr(shown)

    def _checkout_exception(self) -> list[dict[str, Any]]:
        r, rec, p = self.rng, self.rec, self.p
        code = r.choice(DECLINE_CODES)
        kind = r.random()
        where = "exception.values.value"
        if kind < 0.5:
            exc_type = "PaymentDeclinedError"
            rec.tech("enum", code, where)
            if self.chance(0.5):
                msg = f"Payment declined for {self.name(where)} <{self.email(where)}>: {code} (order {self.order_id})"
            else:
                msg = f"Card {self.card_value(where)} declined by issuer: {code}, amount {self.amount} {self.currency}"
        elif kind < 0.75:
            exc_type = "InvalidIBANError"
            msg = f"Invalid IBAN {rec.pii('iban', p.iban, where)} for customer {rec.pii('user_id', p.user_id, where)}"
        else:
            exc_type = "GeocodingError"
            msg = f"Could not geocode '{rec.pii('address', p.address_line, where)}'"
        rec.tech("exception_type", exc_type, "exception.values.type")
        module = rec.tech("module", "shop.payments.service", "exception.values.module")
        vars_: dict[str, Any] = {
            "order_id": repr(self.order_id),
            "amount": f"Decimal({self.amount!r})",
            "customer": self._customer_repr("exception.stacktrace.vars.customer"),
        }
        rec.tech("amount", self.amount, "exception.stacktrace.vars.amount")
        if self.chance(0.4):
            vars_["card_number"] = repr(self.card_value("exception.stacktrace.vars.card_number"))
        if self.chance(0.7):
            self._secret_var(vars_, "exception.stacktrace.vars")
        frames = [
            self._frame(
                "shop.api.views",
                "checkout",
                r.randint(40, 400),
                "result = service.charge(order, payload)",
                {"order_id": repr(self.order_id)},
            ),
            self._frame(module, "charge", r.randint(40, 400), f"raise {exc_type}(msg)", vars_),
        ]
        values = [
            {
                "type": exc_type,
                "value": msg,
                "module": module,
                "mechanism": {"type": "django", "handled": False},
                "stacktrace": {"frames": frames},
            }
        ]
        if exc_type == "PaymentDeclinedError" and self.chance(0.3):
            values.insert(
                0,
                {
                    "type": "StripeError",
                    "value": f"Request req_{_rand(r, B62, 14)}: Your card was declined. (decline_code={code})",
                    "module": "stripe.error",
                    "mechanism": {"type": "chained", "handled": True},
                },
            )
        return values

    def _profile_exception(self) -> list[dict[str, Any]]:
        r, rec, p = self.rng, self.rec, self.p
        where = "exception.values.value"
        pick = r.random()
        if pick < 0.35:
            exc_type = "IntegrityError"
            msg = (
                'duplicate key value violates unique constraint "users_email_key"\n'
                f"DETAIL:  Key (email)=({self.email(where)}) already exists."
            )
        elif pick < 0.6:
            exc_type = "ValidationError"
            msg = f"Invalid phone number '{rec.pii('phone', p.phone, where)}' for user {rec.pii('user_id', p.user_id, where)}"
        elif pick < 0.8:
            exc_type = "ValidationError"
            msg = f"date_of_birth {rec.pii('dob', p.dob, where)} does not match expected format for locale {p.locale}"
        else:
            exc_type = "GeocodingError"
            msg = f"Could not geocode '{rec.pii('address', p.address_line, where)}'"
        rec.tech("exception_type", exc_type, "exception.values.type")
        module = rec.tech("module", "shop.accounts.forms", "exception.values.module")
        vars_: dict[str, Any] = {
            "self": "<ProfileForm bound=True valid=False fields=(first_name;last_name;email;phone)>",
            "cleaned_data": repr(
                {
                    "first_name": rec.pii("name", p.first, "exception.stacktrace.vars"),
                    "email": self.email("exception.stacktrace.vars"),
                    "date_of_birth": rec.pii("dob", p.dob, "exception.stacktrace.vars"),
                }
            ),
            "user": f"<User: {rec.pii('username', p.username, 'exception.stacktrace.vars.user')}>",
        }
        if self.chance(0.5):
            vars_["password"] = repr(rec.pii("password", p.password, "exception.stacktrace.vars.password"))
        if self.chance(0.4):
            vars_["tax_id"] = repr(rec.pii("ssn", p.ssn, "exception.stacktrace.vars.tax_id"))
        if self.chance(0.7):
            self._secret_var(vars_, "exception.stacktrace.vars")
        frames = [
            self._frame("shop.accounts.views", "update_profile", r.randint(20, 300), "form.save(commit=True)", None),
            self._frame(module, "clean", r.randint(20, 300), f"raise {exc_type}(msg)", vars_),
        ]
        return [
            {
                "type": exc_type,
                "value": msg,
                "module": module,
                "mechanism": {"type": "django", "handled": False},
                "stacktrace": {"frames": frames},
            }
        ]

    def _search_exception(self) -> list[dict[str, Any]]:
        r, rec = self.rng, self.rec
        exc_type = r.choice(("ConnectionTimeout", "TransportError"))
        rec.tech("exception_type", exc_type, "exception.values.type")
        status = rec.tech("http_status", r.choice((429, 500, 503, 504)), "exception.values.value")
        msg = (
            f"{exc_type}({status}, 'search_phase_execution_exception', 'index products_v{r.randint(3, 9)} unavailable')"
        )
        module = rec.tech("module", "shop.search.backend", "exception.values.module")
        vars_: dict[str, Any] = {
            "index": repr(f"products_v{r.randint(3, 9)}"),
            "timeout": "2.5",
            "query": repr({"multi_match": {"query": self.search_q, "fields": ["name^3", "sku"]}}),
        }
        if self.chance(0.7):
            self._secret_var(vars_, "exception.stacktrace.vars")
        frames = [
            self._frame("shop.search.views", "search", r.randint(20, 200), "hits = backend.query(q, page=page)", None),
            self._frame(
                module, "query", r.randint(20, 200), "resp = self.client.search(index=index, body=body)", vars_
            ),
        ]
        return [
            {
                "type": exc_type,
                "value": msg,
                "module": module,
                "mechanism": {"type": "django", "handled": False},
                "stacktrace": {"frames": frames},
            }
        ]

    # breadcrumbs / logentry --------------------------------------------------------------------

    def _breadcrumbs(self) -> list[dict[str, Any]]:
        r, rec, p = self.rng, self.rec, self.p
        t = self.ts - r.uniform(2, 20)
        crumbs: list[dict[str, Any]] = []

        def add(**kw: Any) -> None:
            nonlocal t
            t += r.uniform(0.01, 1.5)
            crumbs.append({"timestamp": round(t, 3), **kw})

        if self.chance(0.6):
            add(
                type="default",
                category="query",
                message='SELECT "id" FROM "users" WHERE "email" = %s',
                data={"db.params": [self.email("breadcrumbs.data.db.params")]},
            )
        pool: list[Callable[[], None]] = [
            lambda: add(
                type="http",
                category="httplib",
                data={
                    "url": f"https://{HOST}/api/search?"
                    + urlencode([("q", self.email("breadcrumbs.data.url")), ("page", "1")]),
                    "method": "GET",
                    "status_code": rec.tech("http_status", 200, "breadcrumbs.data.status_code"),
                    "reason": "OK",
                },
            ),
            lambda: add(
                type="default",
                category="shop.mail",
                level="info",
                message=f"Sent receipt to {self.name('breadcrumbs.message')}",
            ),
            lambda: add(
                type="default",
                category="shop.support",
                level="info",
                message=f"customer {self.name('breadcrumbs.message')} called from {rec.pii('phone', p.phone, 'breadcrumbs.message')}",
            ),
            lambda: add(
                type="default",
                category="shop.geo",
                level="debug",
                message=f"Geocoding address '{rec.pii('address', p.address_line, 'breadcrumbs.message')}'",
            ),
            lambda: add(
                type="http",
                category="httplib",
                data={
                    "url": "https://api.stripe.com/v1/payment_intents",
                    "method": "POST",
                    "status_code": rec.tech("http_status", 402, "breadcrumbs.data.status_code"),
                    "reason": "Payment Required",
                },
            ),
            lambda: add(
                type="default",
                category="shop.cart",
                level="info",
                message=f"Added {self.items[0][1]} x{self.items[0][2]} to cart (flag {self.flags[0]})",
            ),
            lambda: add(
                type="navigation",
                category="navigation",
                data={"from": "/cart", "to": f"/checkout?step=payment&email={self.email('breadcrumbs.data.to')}"},
            ),
            lambda: add(
                type="default",
                category="auth",
                level="info",
                message=f"Login succeeded for {rec.pii('username', p.username, 'breadcrumbs.message')} from {rec.pii('ip', p.ip, 'breadcrumbs.message')}",
            ),
        ]
        for idx in sorted(r.sample(range(len(pool)), r.randint(1, 2))):
            pool[idx]()
        return crumbs

    def _logentry(self) -> dict[str, Any]:
        r, rec = self.rng, self.rec
        if self.scenario == "checkout":
            params = [self.order_id, rec.tech("enum", r.choice(DECLINE_CODES), "logentry.params")]
            message = "Payment for order %s failed: %s"
        elif self.scenario == "profile":
            params = [rec.pii("user_id", self.p.user_id, "logentry.params"), self.email("logentry.params")]
            message = "Profile update failed for user %s (%s)"
        else:
            params = [rec.tech("enum", "timeout", "logentry.params"), str(r.randint(2, 4))]
            message = "Search backend error: %s after %s retries"
        return {"message": message, "params": params, "formatted": message % tuple(params)}

    # tags / contexts / extra / modules / sdk ---------------------------------------------------

    def _tags(self) -> list[list[str]]:
        r, p = self.rng, self.p
        tags = [
            ["release", self.release],
            ["country", p.country],
        ]
        if self.chance(0.5):
            tags.append(["feature.flags", ",".join(self.flags)])
        if self.scenario == "checkout":
            tags.append(["payment.provider", r.choice(("stripe", "adyen", "mollie"))])
            tags.append(["order.id", self.order_id])
        if self.chance(0.4):
            tags.append(["customer.email", self.email("tags.customer.email")])
        if self.chance(0.3):
            tags.append(["user", f"email:{self.email('tags.user')}"])
        return tags

    def _contexts(self) -> dict[str, Any]:
        r, rec, p = self.rng, self.rec, self.p
        ua = r.choice(sorted(BROWSERS))
        contexts: dict[str, Any] = {
            "runtime": {
                "name": "CPython",
                "version": rec.tech("version", r.choice(PY_VERSIONS), "contexts.runtime.version"),
            },
            "os": {"name": "Linux", "version": "6.1"},
            "browser": {"name": ua, "version": BROWSERS[ua]},
            "trace": {
                "trace_id": rec.tech("trace_id", self.trace_id, "contexts.trace.trace_id"),
                "span_id": self.span_id,
            },
            "response": {
                "status_code": rec.tech(
                    "http_status", r.choice((400, 402, 422, 500, 502)), "contexts.response.status_code"
                )
            },
        }
        if self.chance(0.6):
            customer: dict[str, Any] = {"tier": rec.tech("enum", r.choice(TIERS), "contexts.customer.tier")}
            customer["name"] = self.name("contexts.customer.name")
            customer["email"] = self.email("contexts.customer.email")
            if self.chance(0.5):
                customer["phone"] = rec.pii("phone", p.phone, "contexts.customer.phone")
            if self.chance(0.3):
                customer["birthday"] = rec.pii("dob", p.dob, "contexts.customer.birthday")
            customer["country"] = p.country
            contexts["customer"] = customer
        return contexts

    def _extra(self) -> dict[str, Any]:
        r, rec, p = self.rng, self.rec, self.p
        extra: dict[str, Any] = {
            "order_id": rec.tech("order_id", self.order_id, "extra.order_id"),
            "created_at": rec.tech("timestamp", self.iso(-r.uniform(5, 600)), "extra.created_at"),
            "feature_flags": [rec.tech("feature_flag", f, "extra.feature_flags") for f in self.flags],
            "retry_count": r.randint(0, 3),
        }
        if self.scenario != "checkout":
            extra["cart"] = [{"sku": sku, "product": name, "qty": qty} for name, sku, qty, _ in self.items]
            for name, sku, _, _ in self.items:
                rec.tech("sku", sku, "extra.cart")
                rec.tech("product", name, "extra.cart")
        pick = r.random()
        if pick < 0.25:
            extra["customer_note"] = (
                f"Please call me at {rec.pii('phone', p.phone, 'extra.customer_note')} before delivery, "
                f"ask for {rec.pii('name', p.first, 'extra.customer_note')}"
            )
        elif pick < 0.45:
            extra["shipping_address"] = rec.pii("address", p.address_line, "extra.shipping_address")
        elif pick < 0.6:
            extra["settings"] = repr({"DATABASE_URL": self.db_url("extra.settings"), "DEBUG": False})
        elif pick < 0.7:
            extra["payout"] = repr(
                {"iban": rec.pii("iban", p.iban, "extra.payout"), "holder": self.name("extra.payout")}
            )
        if self.chance(0.25):
            extra["ssn_check"] = f"SSN {rec.pii('ssn', p.ssn, 'extra.ssn_check')} failed checksum"
        return extra

    def _modules(self) -> dict[str, str]:
        r, rec = self.rng, self.rec
        modules: dict[str, str] = {}
        for name, versions in r.sample(MODULE_VERSIONS, r.randint(2, 4)):
            modules[name] = r.choice(versions)
        first = next(iter(modules))
        rec.tech("module", first, "modules")
        rec.tech("version", modules[first], f"modules.{first}")
        modules["sentry-sdk"] = r.choice(SDK_VERSIONS)
        return modules

    def _sdk(self) -> dict[str, Any]:
        version = self.rng.choice(SDK_VERSIONS)
        if self.platform == "python":
            return {"name": "sentry.python.django", "version": version}
        return {"name": "sentry.javascript.node", "version": "7.112.2"}


# --------------------------------------------------------------------------- self-check


REDACTION = "REDACTED"


def _map_strings(node: Any, fn: Callable[[str], str]) -> Any:
    """Apply ``fn`` to every string leaf (not dict keys)."""
    if isinstance(node, dict):
        return {k: _map_strings(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [_map_strings(v, fn) for v in node]
    if isinstance(node, str):
        return fn(node)
    return node


def redact_planted(
    event: Mapping[str, Any], personal: Sequence[Mapping[str, Any]], placeholder: str = REDACTION
) -> Any:
    """Replace every planted personal value (and its recorded literal forms) textually.

    Short values are replaced on word boundaries, mirroring the scorer, so 'Ana' does not
    mangle 'Banana'. Used by the generator's self-check and by the tests as the 'perfect
    sanitizer' baseline.
    """
    literals: list[tuple[str, str]] = []
    for entry in personal:
        for literal in [entry["value"], *entry.get("forms", ()), *entry.get("parts", ())]:
            literals.append((str(literal), str(entry["kind"])))
    literals.sort(key=lambda lk: -len(lk[0]))

    def fix(text: str) -> str:
        for literal, kind in literals:
            if literal not in text:
                continue
            if scoring.needs_boundaries(literal, kind):
                text = scoring.literal_pattern(literal, kind).sub(placeholder, text)
            else:
                text = text.replace(literal, placeholder)
        return text

    return _map_strings(copy.deepcopy(dict(event)), fix)


def _attach_forms(event: Mapping[str, Any], personal: list[dict[str, Any]]) -> None:
    """Record every encoded variant of a value that literally occurs in the event as a form."""
    hay = scoring.build_haystack(event)
    for entry in personal:
        value, kind = entry["value"], entry["kind"]
        candidates = list(scoring.literal_variants(value, kind).values())[1:]
        packed = scoring.compact(value, kind)
        if packed:
            candidates.append(packed)
        boundaries = scoring.needs_boundaries(value, kind)
        for literal in candidates:
            if literal not in entry["forms"] and scoring.contains(hay.text, literal, kind, boundaries):
                entry["forms"].append(literal)


def self_check(event: Mapping[str, Any], truth_entry: Mapping[str, Any]) -> list[str]:
    """Problems that would make the event a bad measuring stick (empty list = fine)."""
    problems: list[str] = []
    single = {"events": [truth_entry]}
    raw = scoring.score([event], single)
    for kind, row in raw["personal"].items():
        if row["leaked"] != row["planted"]:
            problems.append(f"undetectable {kind}")
    if raw["overall"]["technical_kept"] != raw["overall"]["technical_planted"]:
        problems.append(f"technical missing in raw: {raw['lost_examples']}")
    clean = scoring.score([redact_planted(event, truth_entry["personal"])], single)
    if clean["overall"]["personal_leaked"]:
        problems.append(f"residual after redaction: {clean['leak_examples']}")
    if clean["overall"]["technical_kept"] != clean["overall"]["technical_planted"]:
        problems.append(f"technical damaged by redaction: {clean['lost_examples']}")
    return problems


# --------------------------------------------------------------------------- corpus


def _event_rng(seed: int, index: int, attempt: int) -> random.Random:
    """Independent, order-free stream per event (str seeds hash with SHA-512, not hash())."""
    return random.Random(f"incident-replay-corpus:{seed}:{index}:{attempt}")


def generate_event(
    seed: int, index: int, fakers: Fakers, rejects: dict[str, int] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build event ``index`` and its truth entry; re-roll until it passes the self-check."""
    problems: list[str] = []
    for attempt in range(MAX_ATTEMPTS):
        builder = EventBuilder(_event_rng(seed, index, attempt), fakers, index)
        event = builder.build()
        # Round-trip through JSON so the event is exactly what consumers will read.
        event = orjson.loads(orjson.dumps(event))
        personal = [dict(e) for e in builder.rec.personal.values()]
        for entry in personal:
            if not entry["parts"]:
                del entry["parts"]
        _attach_forms(event, personal)
        # Count technical occurrences outside personal values: what a perfect sanitizer keeps.
        hay = scoring.build_haystack(redact_planted(event, personal))
        technical = [dict(e) for e in builder.rec.technical.values()]
        for entry in technical:
            entry["occurrences"] = scoring.count_occurrences(entry, hay)
        truth_entry = {
            "index": index,
            "event_id": event["event_id"],
            "scenario": builder.scenario,
            "locale": builder.p.locale,
            "personal": personal,
            "technical": technical,
        }
        problems = self_check(event, truth_entry)
        if not problems:
            return event, truth_entry
        if rejects is not None:
            for problem in problems:
                rejects[problem.split(":")[0]] = rejects.get(problem.split(":")[0], 0) + 1
    raise RuntimeError(f"event {index}: no valid event after {MAX_ATTEMPTS} attempts: {problems}")


def strings_in(node: Any) -> Iterator[str]:
    """Every string value of a JSON document, depth first: what a detector gets to see."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)


def generate(
    n: int, seed: int, rejects: dict[str, int] | None = None
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield (event, truth entry) for indexes 0..n-1."""
    fakers = Fakers()
    for index in range(n):
        yield generate_event(seed, index, fakers, rejects)


def truth_document(seed: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The truth file: metadata plus one entry per event, aligned with the JSONL line order."""
    return {
        "version": TRUTH_VERSION,
        "generator": "bench/corpus.py",
        "seed": seed,
        "count": len(entries),
        "personal_kinds": list(PERSONAL_KINDS),
        "technical_kinds": list(TECHNICAL_KINDS),
        "zero_leak_kinds": sorted(scoring.ZERO_LEAK_KINDS),
        "events": entries,
    }


def write_corpus(n: int, seed: int, out: Path, truth_path: Path, verbose: bool = False) -> dict[str, int]:
    """Write the events JSONL and the truth JSON; returns self-check reject counts."""
    rejects: dict[str, int] = {}
    entries: list[dict[str, Any]] = []
    with out.open("wb") as handle:
        for event, entry in generate(n, seed, rejects):
            handle.write(orjson.dumps(event) + b"\n")
            entries.append(entry)
    truth_path.write_bytes(orjson.dumps(truth_document(seed, entries), option=orjson.OPT_INDENT_2) + b"\n")
    if verbose:
        print(f"wrote {n} events to {out}, truth to {truth_path}; re-rolls: {rejects or 'none'}", file=sys.stderr)
    return rejects


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a seeded corpus of Sentry events with planted PII.")
    parser.add_argument("--events", type=int, required=True, help="number of events")
    parser.add_argument("--seed", type=int, default=0, help="seed (same seed -> same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="events output (JSON lines)")
    parser.add_argument("--truth", type=Path, required=True, help="truth output (JSON)")
    parser.add_argument("-v", "--verbose", action="store_true", help="report self-check re-rolls on stderr")
    args = parser.parse_args(argv)
    if args.events < 0:
        parser.error("--events must be >= 0")
    write_corpus(args.events, args.seed, args.out, args.truth, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
