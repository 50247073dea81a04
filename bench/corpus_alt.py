"""Independent alternative corpus: Sentry-shaped error events with planted personal/technical values.

A second measuring stick next to ``bench/corpus.py``, written separately on purpose so detectors
tuned on that corpus can be checked against different event shapes, wordings, locales and
encodings. It writes the same truth-file format, so ``bench/score.py`` scores it unchanged.

Usage::

    python bench/corpus_alt.py --events 1000 --seed 11 --out events.jsonl --truth truth.json [-v]

Deterministic: every event draws from ``random.Random("corpus-alt:<seed>:<index>:<attempt>")``
and the Faker instances are re-seeded from that generator. Each event is self-checked with the
scorer (every planted personal value is found in the raw event, every technical value is kept,
and replacing the planted values and their ``forms`` leaves no leak and keeps every technical
value); an event that fails is re-rolled with the next attempt number.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import quote, quote_plus, urlencode

from faker import Faker
from faker.providers.address.it_IT import Provider as _ItAddress

if __package__:
    from . import score as scoring
    from .corpus import luhn_complete
else:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import score as scoring
    from bench.corpus import luhn_complete

PERSONAL_KINDS = (
    "email", "card", "iban", "ip", "ssn", "secret", "token", "password", "jwt", "basic_auth",
    "name", "username", "user_id", "phone", "address", "dob",
)  # fmt: skip
TECHNICAL_KINDS = (
    "order_id", "sku", "product", "enum", "version", "release", "feature_flag", "request_id",
    "trace_id", "amount", "currency", "timestamp", "path", "http_status", "country", "module",
    "exception_type",
)  # fmt: skip

LOCALES = (
    ("en_US", 12), ("en_GB", 8), ("de_DE", 10), ("fr_FR", 8), ("es_ES", 7), ("it_IT", 7),
    ("nl_NL", 6), ("pl_PL", 6), ("pt_BR", 6), ("sv_SE", 5), ("ja_JP", 4), ("zh_CN", 4),
    ("ko_KR", 4), ("ru_RU", 4), ("tr_TR", 4), ("cs_CZ", 5),
)  # fmt: skip
COUNTRY = {
    "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "it_IT": "IT",
    "nl_NL": "NL", "pl_PL": "PL", "pt_BR": "BR", "sv_SE": "SE", "ja_JP": "JP", "zh_CN": "CN",
    "ko_KR": "KR", "ru_RU": "RU", "tr_TR": "TR", "cs_CZ": "CZ",
}  # fmt: skip
CURRENCY = {
    "US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR",
    "PL": "PLN", "BR": "BRL", "SE": "SEK", "JP": "JPY", "CN": "CNY", "KR": "KRW", "RU": "RUB",
    "TR": "TRY", "CZ": "CZK",
}  # fmt: skip
IBAN_LOCALES = {"en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR", "tr_TR", "cs_CZ"}
PLATFORMS = ("python", "node", "java", "php", "ruby", "go", "csharp")
SCENARIOS = ("checkout", "profile", "search")
IT_CITIES = tuple(sorted(set(_ItAddress.cities)))
BASE_TIME = datetime(2025, 2, 3, 8, 0, 0, tzinfo=timezone.utc)

PRODUCTS = (
    "Merino Wool Beanie", "Trail Runner GTX", "Ceramic Pour-Over Kettle", "Bamboo Desk Organizer",
    "Noise Cancelling Earbuds", "Linen Duvet Cover", "Cast Iron Skillet 28cm", "Waxed Canvas Tote",
    "Ergonomic Office Chair", "Stainless Water Bottle", "Yoga Mat Pro", "LED Desk Lamp",
)  # fmt: skip
ENUMS = {
    "checkout": ("PAYMENT_DECLINED", "requires_action", "awaiting_capture", "FRAUD_REVIEW", "insufficient_funds",
                 "ADDRESS_UNVERIFIED", "card_expired", "PENDING_3DS"),
    "profile": ("EMAIL_UNVERIFIED", "account_locked", "PROFILE_INCOMPLETE", "kyc_pending", "DUPLICATE_ACCOUNT"),
    "search": ("INDEX_STALE", "query_timeout", "SHARD_FAILURE", "rate_limited", "PARTIAL_RESULTS"),
}  # fmt: skip
FLAGS = (
    "checkout.one_click_v2", "ff_address_autocomplete", "search-semantic-rerank", "profile.new_avatar_upload",
    "pay_by_bank_enabled", "ff.klarna.split", "exp_free_shipping_banner", "search.typo_tolerance",
)  # fmt: skip
EXC = {
    "python": ("PaymentDeclinedError", "AddressValidationError", "IntegrityError", "SearchTimeout", "ValidationError"),
    "node": ("TypeError", "PaymentGatewayError", "ValidationError", "GraphQLError", "FetchError"),
    "java": ("IllegalStateException", "ConstraintViolationException", "DataIntegrityViolationException",
             "PaymentRejectedException"),
    "php": ("InvalidArgumentException", "PDOException", "PaymentFailedException", "ModelNotFoundException"),
    "ruby": ("ActiveRecord::RecordInvalid", "Stripe::CardError", "ArgumentError", "Faraday::TimeoutError"),
    "go": ("*errors.errorString", "*pq.Error", "*url.Error", "*checkout.DeclineError"),
    "csharp": ("System.ArgumentException", "System.InvalidOperationException", "Shop.Payments.DeclinedException"),
}  # fmt: skip
MODULES = {
    "python": ("shop.checkout.payments", "shop.accounts.services", "shop.search.backends.opensearch"),
    "node": ("src/checkout/paymentController", "src/profile/resolvers", "src/search/handler"),
    "java": ("com.acme.shop.checkout.PaymentService", "com.acme.shop.profile.ProfileController",
             "com.acme.shop.search.QueryExecutor"),
    "php": ("App\\Http\\Controllers\\CheckoutController", "App\\Services\\ProfileService", "App\\Search\\Finder"),
    "ruby": ("Checkout::PaymentsController", "Accounts::ProfileUpdater", "Search::QueryRunner"),
    "go": ("github.com/acme/shop/internal/checkout", "github.com/acme/shop/internal/profile",
           "github.com/acme/shop/internal/search"),
    "csharp": ("Shop.Checkout.PaymentHandler", "Shop.Accounts.ProfileService", "Shop.Search.QueryService"),
}  # fmt: skip
FILES = {
    "python": ("/srv/shop/checkout/payments.py", "/srv/shop/accounts/services.py", "/srv/shop/search/backend.py"),
    "node": ("/app/dist/checkout/paymentController.js", "/app/dist/profile/resolvers.js", "/app/dist/search/handler.js"),
    "java": ("PaymentService.java", "ProfileController.java", "QueryExecutor.java"),
    "php": ("/var/www/shop/app/Http/Controllers/CheckoutController.php", "/var/www/shop/app/Services/ProfileService.php",
            "/var/www/shop/app/Search/Finder.php"),
    "ruby": ("app/controllers/checkout/payments_controller.rb", "app/services/accounts/profile_updater.rb",
             "app/search/query_runner.rb"),
    "go": ("/go/src/github.com/acme/shop/internal/checkout/charge.go",
           "/go/src/github.com/acme/shop/internal/profile/update.go",
           "/go/src/github.com/acme/shop/internal/search/query.go"),
    "csharp": ("C:\\agent\\_work\\shop\\src\\Checkout\\PaymentHandler.cs",
               "C:\\agent\\_work\\shop\\src\\Accounts\\ProfileService.cs",
               "C:\\agent\\_work\\shop\\src\\Search\\QueryService.cs"),
}  # fmt: skip
SDK = {
    "python": ("sentry.python.django", "2.19.2"), "node": ("sentry.javascript.node", "8.47.0"),
    "java": ("sentry.java.spring-boot.jakarta", "7.18.1"), "php": ("sentry.php.laravel", "4.10.1"),
    "ruby": ("sentry.ruby.rails", "5.22.1"), "go": ("sentry.go", "0.31.1"), "csharp": ("sentry.dotnet.aspnetcore", "5.0.1"),
}  # fmt: skip
HOSTS = ("web-7c9f8d-x2kqp", "checkout-api-2", "ip-10-0-3-17.eu-west-1.compute.internal", "shop-prod-fra1-04")


# --------------------------------------------------------------------------- helpers


def rnd(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPPER_DIG = string.ascii_uppercase + string.digits


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_card(rng: random.Random) -> tuple[str, str]:
    brand = rng.choice(("visa", "visa", "mastercard", "mastercard", "amex", "discover", "jcb", "maestro"))
    prefix, groups = {
        "visa": ("4", (4, 4, 4, 4)),
        "mastercard": (rng.choice(("51", "53", "55", "2221", "2720")), (4, 4, 4, 4)),
        "amex": (rng.choice(("34", "37")), (4, 6, 5)),
        "discover": ("6011", (4, 4, 4, 4)),
        "jcb": ("35" + str(rng.randint(28, 89)), (4, 4, 4, 4)),
        "maestro": ("6759", (4, 4, 4, 4, 3)),
    }[brand]
    length = sum(groups)
    digits = luhn_complete(prefix + rnd(rng, "0123456789", length - len(prefix) - 1))
    sep = rng.choice(("", " ", "-", " ", ""))
    out, pos = [], 0
    for g in groups:
        out.append(digits[pos : pos + g])
        pos += g
    return sep.join(out), brand


def steuer_id(rng: random.Random) -> str:
    body = str(rng.randint(1, 9)) + rnd(rng, "0123456789", 9)
    product = 10
    for ch in body:
        s = (int(ch) + product) % 10 or 10
        product = (s * 2) % 11
    check = (11 - product) % 10
    return body + str(check)


def es_dni(rng: random.Random) -> str:
    n = rng.randint(10_000_000, 99_999_999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def uk_nino(rng: random.Random) -> str:
    a = rng.choice("ABCEGHJKLMNOPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
    d = rnd(rng, "0123456789", 6)
    return rng.choice((f"{a}{d}{rng.choice('ABCD')}", f"{a} {d[:2]} {d[2:4]} {d[4:]} {rng.choice('ABCD')}"))


# --------------------------------------------------------------------------- persona


class Persona:
    """One customer's values, drawn lazily so each event only carries what it plants."""

    def __init__(self, rng: random.Random, fakers: dict[str, Faker], locale: str) -> None:
        self.rng = rng
        self.locale = locale
        self.fake = fakers[locale]
        self.fake.seed_instance(rng.getrandbits(63))
        self.en = fakers["en_US"]
        self.en.seed_instance(rng.getrandbits(63))
        self.country = COUNTRY[locale]
        self._cache: dict[str, Any] = {}

    def _get(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def name(self) -> str:
        def make() -> str:
            if self.locale in ("ja_JP", "zh_CN", "ko_KR", "ru_RU"):
                return self.fake.name()
            return f"{self.fake.first_name()} {self.fake.last_name()}"

        return self._get("name", make)

    @property
    def first(self) -> str:
        return self.name.split(" ")[0]

    @property
    def email(self) -> str:
        def make() -> str:
            r = self.rng.random()
            if r < 0.5:
                return self.fake.free_email()
            if r < 0.8:
                return f"{self.en.user_name()}{self.rng.randint(1, 99)}@{self.fake.free_email_domain()}"
            return f"{self.en.first_name().lower()}.{self.en.last_name().lower()}+shop@{self.en.domain_name()}"

        return self._get("email", make)

    @property
    def username(self) -> str:
        def make() -> str:
            base = self.en.user_name()
            return base if len(base) >= 5 and self.rng.random() < 0.6 else f"{base}_{self.rng.randint(10, 9999)}"

        return self._get("username", make)

    @property
    def user_id(self) -> str:
        def make() -> str:
            r = self.rng.random()
            if r < 0.35:
                return str(self.rng.randint(10_000_000, 99_999_999))
            if r < 0.7:
                return "usr_" + rnd(self.rng, ALNUM, 14)
            return "cus_" + rnd(self.rng, ALNUM, 14)

        return self._get("user_id", make)

    @property
    def phone(self) -> str:
        def make() -> str:
            for _ in range(20):
                p = self.fake.phone_number()
                if "x" not in p and len(scoring._NON_DIGIT.sub("", p)) >= 9:
                    return p
            return "+" + str(self.rng.randint(30, 49)) + " " + rnd(self.rng, "0123456789", 9)

        return self._get("phone", make)

    @property
    def street(self) -> str:
        def make() -> str:
            s = self.fake.street_address().replace("\n", ", ")
            if self.locale in ("ja_JP", "zh_CN", "ko_KR", "tr_TR"):
                s = self.fake.address().split("\n")[0] if self.locale == "ko_KR" else s
            return s

        return self._get("street", make)

    @property
    def postcode(self) -> str:
        return self._get("postcode", self.fake.postcode)

    @property
    def city(self) -> str:
        def make() -> str:
            if self.locale == "it_IT":  # it_IT keeps its cities in a set: hash order would break determinism
                return self.rng.choice(IT_CITIES)
            return self.fake.city()

        return self._get("city", make)

    @property
    def dob(self) -> str:
        def make() -> str:
            d = self.fake.date_of_birth(minimum_age=18, maximum_age=85)
            fmt = self.rng.choice(("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d"))
            return d.strftime(fmt)

        return self._get("dob", make)

    @property
    def ip(self) -> str:
        return self._get("ip", lambda: self.fake.ipv4_public() if self.rng.random() < 0.8 else self.fake.ipv6())

    @property
    def iban(self) -> str:
        def make() -> str:
            if self.locale in IBAN_LOCALES:
                f = self.fake
            else:
                f = Faker_cache[self.rng.choice(sorted(IBAN_LOCALES))]
                f.seed_instance(self.rng.getrandbits(63))
            v = f.iban()
            if self.rng.random() < 0.4:
                v = " ".join(v[i : i + 4] for i in range(0, len(v), 4))
            return v

        return self._get("iban", make)

    @property
    def card(self) -> tuple[str, str]:
        return self._get("card", lambda: make_card(self.rng))

    @property
    def national_id(self) -> tuple[str, str] | None:
        def make() -> tuple[str, str] | None:
            f, loc = self.fake, self.locale
            table: dict[str, Callable[[], tuple[str, str]]] = {
                "en_US": lambda: (f.ssn(), "us_ssn"),
                "en_GB": lambda: (uk_nino(self.rng), "uk_nino"),
                "de_DE": lambda: (steuer_id(self.rng), "de_steuer_id"),
                "fr_FR": lambda: (f.ssn(), "fr_nir"),
                "es_ES": lambda: (es_dni(self.rng), "es_dni"),
                "it_IT": lambda: (f.ssn(), "it_codice_fiscale"),
                "nl_NL": lambda: (f.ssn(), "nl_bsn"),
                "pl_PL": lambda: (f.pesel(), "pl_pesel"),
                "pt_BR": lambda: (f.cpf(), "br_cpf"),
                "sv_SE": lambda: (f.ssn(), "se_personnummer"),
                "tr_TR": lambda: (f.ssn(), "tr_kimlik"),
                "cs_CZ": lambda: (f.birth_number(), "cz_rodne_cislo"),
                "zh_CN": lambda: (f.ssn(), "cn_resident_id"),
                "ko_KR": lambda: (f.ssn(), "kr_rrn"),
            }
            return table[loc]() if loc in table else None

        return self._get("nid", make)

    @property
    def password(self) -> str:
        def make() -> str:
            r = self.rng.random()
            if r < 0.4:
                return self.en.password(length=self.rng.randint(10, 16))
            if r < 0.7:
                return self.en.word().capitalize() + str(self.rng.randint(1950, 2024)) + self.rng.choice("!?#$%")
            return rnd(self.rng, ALNUM + "-_", 20)

        return self._get("password", make)


Faker_cache: dict[str, Faker] = {}


def fakers() -> dict[str, Faker]:
    if not Faker_cache:
        for loc, _ in LOCALES:
            Faker_cache[loc] = Faker(loc)
    return Faker_cache


# --------------------------------------------------------------------------- recorder


class Rec:
    """Collects the planted values of one event."""

    def __init__(self) -> None:
        self.personal: dict[tuple[str, str], dict[str, Any]] = {}
        self.technical: dict[tuple[str, str], dict[str, Any]] = {}

    def p(self, kind: str, value: str, where: str, subkind: str | None = None, parts: Sequence[str] = ()) -> str:
        assert kind in PERSONAL_KINDS, kind
        value = str(value)
        entry = self.personal.setdefault((kind, value), {"kind": kind, "value": value, "where": [], "forms": []})
        if where not in entry["where"]:
            entry["where"].append(where)
        if subkind:
            entry["subkind"] = subkind
        if parts:
            entry["parts"] = list(parts)
        return value

    def form(self, kind: str, value: str, literal: str) -> str:
        entry = self.personal[(kind, value)]
        if literal != value and literal not in entry["forms"]:
            entry["forms"].append(literal)
        return literal

    technical_kinds = TECHNICAL_KINDS  # a corpus built on this one may plant kinds of its own

    def t(self, kind: str, value: Any, where: str) -> Any:
        assert kind in self.technical_kinds, kind
        entry = self.technical.setdefault((kind, repr(value)), {"kind": kind, "value": value, "where": [], "occurrences": 0})
        if where not in entry["where"]:
            entry["where"].append(where)
        return value


# --------------------------------------------------------------------------- event builder


class Builder:
    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.rec = Rec()
        self.locale = weighted(rng, LOCALES)
        self.person = Persona(rng, fakers(), self.locale)
        self.platform = rng.choice(PLATFORMS)
        self.scenario = rng.choice(SCENARIOS)
        self.index = index
        self.sidx = SCENARIOS.index(self.scenario)
        self.event: dict[str, Any] = {}
        # technical values of the event
        c = self.person.country if rng.random() < 0.8 else rng.choice(sorted(set(COUNTRY.values())))
        self.country = c
        self.currency = CURRENCY[c]
        self.order_id = rng.choice((
            lambda: f"SO-{rnd(rng, UPPER_DIG, 8)}",
            lambda: f"PO{rng.randint(2023, 2025)}-{rng.randint(100000, 999999)}-{rng.choice('ABC')}",
            lambda: f"ord_{rnd(rng, 'abcdefghjkmnpqrstuvwxyz23456789', 16)}",
            lambda: f"W{rng.randint(10**9, 10**10 - 1)}",
        ))()
        self.skus = [self._sku() for _ in range(rng.randint(1, 3))]
        self.product = rng.choice(PRODUCTS)
        self.enum = rng.choice(ENUMS[self.scenario])
        self.flag = rng.choice(FLAGS)
        self.version = rng.choice((f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}",
                                   f"v{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}-rc.{rng.randint(1, 4)}"))
        self.release = rng.choice((f"shop-web@{rng.randint(3, 6)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
                                   f"checkout-svc@2025.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}+{rnd(rng, HEX, 7)}",
                                   rnd(rng, HEX, 40)))
        self.request_id = rng.choice((lambda: "req_" + rnd(rng, ALNUM, 20), lambda: self._uuid(),
                                      lambda: rnd(rng, HEX, 16) + "-" + rnd(rng, HEX, 8)))()
        self.trace_id = rnd(rng, HEX, 32)
        self.span_id = rnd(rng, HEX, 16)
        self.amount_cents = rng.randint(299, 250000)
        self.status = rng.choice((400, 402, 404, 409, 422, 429, 500, 502, 503, 504))
        self.ts = BASE_TIME + timedelta(seconds=rng.randint(0, 90 * 86400), microseconds=rng.randint(0, 999) * 1000)
        self.exc_type = rng.choice(EXC[self.platform])
        self.module = MODULES[self.platform][self.sidx]
        self.path = FILES[self.platform][self.sidx]

    # -- small technical generators
    def _sku(self) -> str:
        rng = self.rng
        return rng.choice((
            lambda: f"{rng.choice(('TSH', 'BNI', 'KTL', 'MAT', 'LMP'))}-{rng.choice(('BLK', 'NAV', 'OLV', 'RED'))}-"
                    f"{rng.choice(('XS', 'S', 'M', 'L', 'XL'))}",
            lambda: f"A{rng.randint(100, 999)}-{rnd(rng, UPPER_DIG, 5)}",
            lambda: f"SKU{rng.randint(1000000, 9999999)}",
        ))()

    def _uuid(self) -> str:
        h = rnd(self.rng, HEX, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.rng.choice('89ab')}{h[17:20]}-{h[20:]}"

    def iso(self, dt: datetime | None = None) -> str:
        dt = dt or self.ts
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"

    # -- personal shortcuts (record and return)
    def name(self, where: str) -> str:
        return self.rec.p("name", self.person.name, where)

    def email(self, where: str) -> str:
        return self.rec.p("email", self.person.email, where)

    def phone(self, where: str) -> str:
        return self.rec.p("phone", self.person.phone, where)

    def street(self, where: str) -> str:
        return self.rec.p("address", self.person.street, where)

    def dob(self, where: str) -> str:
        return self.rec.p("dob", self.person.dob, where)

    def ip(self, where: str) -> str:
        return self.rec.p("ip", self.person.ip, where)

    def uname(self, where: str) -> str:
        return self.rec.p("username", self.person.username, where)

    def uid(self, where: str) -> str:
        return self.rec.p("user_id", self.person.user_id, where)

    def iban(self, where: str) -> str:
        return self.rec.p("iban", self.person.iban, where)

    def card(self, where: str) -> str:
        value, brand = self.person.card
        return self.rec.p("card", value, where, subkind=brand)

    def ssn(self, where: str) -> str | None:
        nid = self.person.national_id
        if nid is None:
            return None
        return self.rec.p("ssn", nid[0], where, subkind=nid[1])

    def password(self, where: str, subkind: str | None = None) -> str:
        return self.rec.p("password", self.person.password, where, subkind=subkind)

    def token(self, subkind: str, where: str) -> str:
        rng = self.rng
        key = "tok_" + subkind
        if key not in self.person._cache:
            self.person._cache[key] = {
                "session_id": lambda: rnd(rng, "abcdefghijklmnopqrstuvwxyz0123456789", 32),
                "csrf_token": lambda: rnd(rng, ALNUM, 48),
                "reset_token": lambda: b64url(rng.randbytes(24)),
            }[subkind]()
        return self.rec.p("token", self.person._cache[key], where, subkind=subkind)

    def secret(self, where: str, subkind: str | None = None) -> str:
        rng = self.rng
        subkind = subkind or rng.choice(("stripe_secret_key", "github_pat", "aws_access_key_id", "aws_secret_access_key",
                                         "slack_bot_token", "sendgrid_api_key", "pem_private_key"))
        key = "sec_" + subkind
        parts: list[str] = []
        if key not in self.person._cache:
            self.person._cache[key] = {
                "stripe_secret_key": lambda: "sk_live_" + rnd(rng, ALNUM, rng.choice((24, 99))),
                "github_pat": lambda: "ghp_" + rnd(rng, ALNUM, 36),
                "aws_access_key_id": lambda: "AKIA" + rnd(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
                "aws_secret_access_key": lambda: rnd(rng, ALNUM + "/+", 40),
                "slack_bot_token": lambda: f"xoxb-{rng.randint(10**11, 10**12)}-{rng.randint(10**12, 10**13)}-"
                                           f"{rnd(rng, ALNUM, 24)}",
                "sendgrid_api_key": lambda: f"SG.{rnd(rng, ALNUM + '-_', 22)}.{rnd(rng, ALNUM + '-_', 43)}",
                "pem_private_key": lambda: "-----BEGIN PRIVATE KEY-----\n"
                + "\n".join(base64.b64encode(rng.randbytes(48)).decode() for _ in range(rng.randint(3, 6)))
                + "\n-----END PRIVATE KEY-----\n",
            }[subkind]()
        value = self.person._cache[key]
        if subkind == "pem_private_key":
            parts = [line for line in value.splitlines() if line and not line.startswith("-----")]
        return self.rec.p("secret", value, where, subkind=subkind, parts=parts)

    def jwt(self, where: str) -> str:
        if "jwt" not in self.person._cache:
            rng = self.rng
            header = {"alg": rng.choice(("HS256", "RS256")), "typ": "JWT"}
            iat = int(self.ts.timestamp()) - rng.randint(60, 3000)
            claims: dict[str, Any] = {"sub": self.person.user_id, "iat": iat, "exp": iat + 3600}
            if rng.random() < 0.8:
                claims["email"] = self.person.email
            if rng.random() < 0.5:
                claims["name"] = self.person.name
            if rng.random() < 0.3:
                claims["preferred_username"] = self.person.username
            claims["iss"] = "https://auth.shop.example/"
            h = b64url(json.dumps(header, separators=(",", ":")).encode())
            payload = b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=rng.random() < 0.5).encode())
            sig = b64url(rng.randbytes(32 if header["alg"] == "HS256" else 64))
            self.person._cache["jwt"] = (f"{h}.{payload}.{sig}", [payload, sig])
        token, parts = self.person._cache["jwt"]
        return self.rec.p("jwt", token, where, parts=parts)

    def basic(self, where: str) -> str:
        user = self.person.username if self.rng.random() < 0.6 else self.person.email
        pw = self.person.password
        value = f"{user}:{pw}"
        self.rec.p("basic_auth", value, where)
        encoded = base64.b64encode(value.encode()).decode()
        self.rec.form("basic_auth", value, encoded)
        return encoded

    # -- technical shortcuts
    def t(self, kind: str, value: Any, where: str) -> Any:
        return self.rec.t(kind, value, where)

    # ------------------------------------------------------------------ pieces

    def build(self) -> dict[str, Any]:
        rng = self.rng
        ev = self.event
        ev["event_id"] = rnd(rng, HEX, 32)
        ev["timestamp"] = self.iso() if rng.random() < 0.5 else round(self.ts.timestamp(), 3)
        ev["platform"] = self.platform
        ev["level"] = rng.choice(("error", "error", "fatal", "warning"))
        ev["logger"] = rng.choice(("django.request", "app", "root", "shop.checkout", "sentry.errors", "Program"))
        ev["server_name"] = rng.choice(HOSTS)
        ev["release"] = self.t("release", self.release, "release")
        ev["environment"] = rng.choice(("production", "prod-eu", "production"))
        name, version = SDK[self.platform]
        ev["sdk"] = {"name": name, "version": version}
        ev["transaction"] = {
            "checkout": rng.choice(("/api/v2/checkout/{order_id}/pay", "POST /checkout/confirm", "CheckoutController@pay")),
            "profile": rng.choice(("/account/profile", "PATCH /api/users/me", "mutation UpdateProfile")),
            "search": rng.choice(("/search", "GET /api/v1/search", "SearchController#index")),
        }[self.scenario]
        self.user()
        self.request()
        self.exception()
        if rng.random() < 0.55:
            self.logentry()
        self.breadcrumbs()
        self.contexts()
        self.tags()
        self.extra()
        if rng.random() < 0.3:
            ev["fingerprint"] = ["{{ default }}", self.t("enum", self.enum, "fingerprint")]
        return ev

    def user(self) -> None:
        rng, u = self.rng, {}
        r = rng.random()
        if r < 0.85:
            uid = self.uid("user.id")
            u["id"] = int(uid) if uid.isdigit() and rng.random() < 0.5 else uid
        if rng.random() < 0.6:
            u["email"] = self.email("user.email")
        if rng.random() < 0.5:
            u["ip_address"] = self.ip("user.ip_address")
        elif rng.random() < 0.3:
            u["ip_address"] = "{{auto}}"
        if rng.random() < 0.4:
            u["username"] = self.uname("user.username")
        if rng.random() < 0.2:
            u["name"] = self.name("user.name")
        if rng.random() < 0.2:
            u["geo"] = {"country_code": self.t("country", self.country, "user.geo.country_code"), "city": self.person.city}
        if rng.random() < 0.2:
            u["data"] = {"segment": rng.choice(("vip", "new", "returning")), "phone": self.phone("user.data.phone")}
        if u:
            self.event["user"] = u

    # -- request
    def request(self) -> None:
        rng = self.rng
        req: dict[str, Any] = {}
        host = rng.choice(("https://shop.example.com", "https://www.acme-store.eu", "https://api.acme-store.eu"))
        method = "POST"
        if self.scenario == "checkout":
            path = rng.choice((f"/api/v2/checkout/{self.order_id}/pay", "/checkout/confirm", f"/orders/{self.order_id}/payment"))
            if self.order_id in path:
                self.t("order_id", self.order_id, "request.url")
            data_kind = rng.choice(("json", "json", "json_str", "form", "graphql"))
        elif self.scenario == "profile":
            path = rng.choice(("/api/users/me", "/account/profile", "/graphql", f"/api/v1/customers/{self.person.user_id}"))
            if self.person.user_id in path:
                self.uid("request.url")
            method = rng.choice(("PATCH", "PUT", "POST"))
            data_kind = "graphql" if path == "/graphql" else rng.choice(("json", "json_str", "form", "graphql"))
        else:
            path = rng.choice(("/search", "/api/v1/search", "/admin/customers/search"))
            method = "GET"
            data_kind = rng.choice(("none", "none", "graphql"))
            if data_kind == "graphql":
                method = "POST"
        req["url"] = host + path
        req["method"] = method
        # query string
        if method == "GET" or rng.random() < 0.3:
            req["query_string"] = self.query_string()
        if data_kind != "none":
            req["data"] = self.body(data_kind)
        req["headers"] = self.headers(data_kind)
        if rng.random() < 0.7:
            req["cookies"] = self.cookies()
        if rng.random() < 0.4:
            req["env"] = {"REMOTE_ADDR": self.ip("request.env.REMOTE_ADDR"), "SERVER_NAME": rng.choice(HOSTS),
                          "SERVER_PORT": "443"}
        self.event["request"] = req

    def query_string(self) -> Any:
        rng = self.rng
        pairs: list[list[str]] = []
        if self.scenario == "search":
            r = rng.random()
            if r < 0.4:
                pairs.append(["q", self.name("request.query_string.q")])
            elif r < 0.65:
                pairs.append(["q", self.email("request.query_string.q")])
            elif r < 0.8:
                pairs.append(["phone", self.phone("request.query_string.phone")])
            else:
                pairs.append(["q", self.t("product", self.product, "request.query_string.q")])
            pairs.append(["page", str(rng.randint(1, 9))])
            pairs.append(["sort", rng.choice(("relevance", "price_asc", "newest"))])
            if rng.random() < 0.3:
                pairs.append(["sku", self.t("sku", self.skus[0], "request.query_string.sku")])
        else:
            pairs.append(["utm_source", rng.choice(("newsletter", "google", "meta"))])
            if rng.random() < 0.5:
                pairs.append(["ref", self.email("request.query_string.ref")])
            if rng.random() < 0.3:
                pairs.append(["reset_token", self.token("reset_token", "request.query_string.reset_token")])
        if rng.random() < 0.5:
            return pairs
        style = rng.choice((quote_plus, quote))
        return "&".join(f"{k}={style(v, safe='')}" for k, v in pairs)

    def body(self, kind: str) -> Any:
        rng = self.rng
        if kind == "graphql":
            return self.graphql()
        if kind == "form":
            fields: list[tuple[str, str]] = []
            if self.scenario == "checkout":
                fields += [("order", self.t("order_id", self.order_id, "request.data")),
                           ("cardholder", self.name("request.data")),
                           ("ccnum", self.card("request.data")),
                           ("exp", f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}"),
                           ("currency", self.t("currency", self.currency, "request.data"))]
            else:
                fields += [("login", self.email("request.data")),
                           ("pass", self.password("request.data")),
                           ("csrfmiddlewaretoken", self.token("csrf_token", "request.data")),
                           ("tel", self.phone("request.data"))]
            return urlencode(fields)
        body = self.json_body()
        if kind == "json_str":
            return json.dumps(body, ensure_ascii=rng.random() < 0.5)
        return body

    def json_body(self) -> dict[str, Any]:
        rng = self.rng
        camel = rng.random() < 0.5
        k = (lambda c, s: c) if camel else (lambda c, s: s)
        if self.scenario == "checkout":
            items = [{k("sku", "sku"): self.t("sku", s, "request.data.items.sku"), k("qty", "quantity"): rng.randint(1, 4)}
                     for s in self.skus]
            body: dict[str, Any] = {
                k("orderId", "order_id"): self.t("order_id", self.order_id, "request.data.order"),
                "items": items,
                k("totalCents", "total_cents"): self.t("amount", self.amount_cents, "request.data.total"),
                "currency": self.t("currency", self.currency, "request.data.currency"),
            }
            cust: dict[str, Any] = {k("fullName", "full_name"): self.name("request.data.customer.fullName")}
            if rng.random() < 0.7:
                cust[k("emailAddress", "email_address")] = self.email("request.data.customer.emailAddress")
            if rng.random() < 0.5:
                cust[k("contactPhone", "contact_phone")] = self.phone("request.data.customer.contactPhone")
            body["customer"] = cust
            addr = {
                "line1": self.street("request.data.shipping_address.line1"),
                k("postalCode", "postal_code"): self.person.postcode,
                "city": self.person.city,
                "country": self.t("country", self.country, "request.data.shipping_address.country"),
            }
            body[k("shippingAddress", "shipping_address")] = addr
            r = rng.random()
            if r < 0.45:
                body["payment"] = {"method": "card", k("cardNumber", "card_number"): self.card("request.data.payment.cardNumber"),
                                   "cvc": str(rng.randint(100, 999))}
            elif r < 0.75:
                body["payment"] = {"method": "sepa_debit", "iban": self.iban("request.data.payment.iban"),
                                   k("accountHolder", "account_holder"): self.name("request.data.payment.accountHolder")}
            if rng.random() < 0.3:
                body["billing"] = {"street": self.street("request.data.billing.street"), "vatId": None}
            if rng.random() < 0.3:
                body[k("featureFlags", "feature_flags")] = [self.t("feature_flag", self.flag, "request.data.flags")]
            return body
        body = {k("displayName", "display_name"): self.name("request.data.displayName")}
        if rng.random() < 0.6:
            body[k("birthDate", "dob")] = self.dob("request.data.birthDate")
        if rng.random() < 0.6:
            body[k("contactPhone", "phone")] = self.phone("request.data.phone")
        if rng.random() < 0.4:
            s = self.ssn("request.data.taxId")
            if s:
                body[rng.choice(("taxId", "ssn", "nationalId", "tax_id"))] = s
        if rng.random() < 0.4:
            body["address"] = {"street": self.street("request.data.address.street"), "zip": self.person.postcode,
                               "city": self.person.city}
        if rng.random() < 0.3:
            body[k("newPassword", "new_password")] = self.password("request.data.newPassword")
        if rng.random() < 0.3:
            body["iban"] = self.iban("request.data.iban")
        body[k("locale", "locale")] = self.locale.replace("_", "-")
        return body

    def graphql(self) -> Any:
        rng = self.rng
        if self.scenario == "search":
            variables: dict[str, Any] = {"term": self.name("request.data.variables.term") if rng.random() < 0.6
                                         else self.email("request.data.variables.term"), "first": 20}
            q = "query SearchCustomers($term: String!, $first: Int) { customers(search: $term, first: $first) { edges { node { id } } } }"
            op = "SearchCustomers"
        elif self.scenario == "checkout":
            variables = {"input": {"orderId": self.t("order_id", self.order_id, "request.data.variables.input.orderId"),
                                   "payer": {"name": self.name("request.data.variables.input.payer.name"),
                                             "email": self.email("request.data.variables.input.payer.email")},
                                   "card": {"number": self.card("request.data.variables.input.card.number")}}}
            q = "mutation PayOrder($input: PayOrderInput!) { payOrder(input: $input) { status errors { code } } }"
            op = "PayOrder"
        else:
            variables = {"input": {"fullName": self.name("request.data.variables.input.fullName"),
                                   "contactPhone": self.phone("request.data.variables.input.contactPhone"),
                                   "birthDate": self.dob("request.data.variables.input.birthDate")}}
            q = "mutation UpdateProfile($input: ProfileInput!) { updateProfile(input: $input) { user { id } } }"
            op = "UpdateProfile"
        body = {"operationName": op, "query": q, "variables": variables}
        return json.dumps(body, ensure_ascii=rng.random() < 0.5) if rng.random() < 0.4 else body

    def headers(self, data_kind: str) -> Any:
        rng = self.rng
        h: list[list[str]] = [["Host", rng.choice(("shop.example.com", "api.acme-store.eu"))],
                              ["User-Agent", rng.choice((
                                  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 Safari/605.1.15",
                                  "okhttp/4.12.0", "AcmeShop/5.3.1 (iPhone; iOS 17.4)"))]]
        h.append(["Content-Type", {"form": "application/x-www-form-urlencoded", "none": "text/plain"}.get(
            data_kind, "application/json")])
        r = rng.random()
        if r < 0.45:
            h.append(["Authorization", "Bearer " + self.jwt("request.headers.Authorization")])
        elif r < 0.6:
            h.append(["Authorization", "Basic " + self.basic("request.headers.Authorization")])
        elif r < 0.7:
            h.append(["X-Api-Key", self.secret("request.headers.X-Api-Key",
                                               rng.choice(("stripe_secret_key", "sendgrid_api_key", "github_pat")))])
        if rng.random() < 0.6:
            chain = [self.ip("request.headers.X-Forwarded-For")] + [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                                                                     for _ in range(rng.randint(0, 2))]
            h.append(["X-Forwarded-For", ", ".join(chain)])
        if rng.random() < 0.3:
            h.append(["X-Real-IP", self.ip("request.headers.X-Real-IP")])
        if rng.random() < 0.5:
            h.append([rng.choice(("X-Request-Id", "X-Correlation-ID")), self.t("request_id", self.request_id, "request.headers.X-Request-Id")])
        if rng.random() < 0.4:
            h.append(["traceparent", f"00-{self.t('trace_id', self.trace_id, 'request.headers.traceparent')}-{self.span_id}-01"])
        if rng.random() < 0.2:
            h.append(["X-CSRF-Token", self.token("csrf_token", "request.headers.X-CSRF-Token")])
        if rng.random() < 0.15:
            h.append(["X-Customer-Email", self.email("request.headers.X-Customer-Email")])
        if rng.random() < 0.5:
            return h
        out: dict[str, str] = {}
        for key, value in h:
            out[key] = value
        return out

    def cookies(self) -> Any:
        rng = self.rng
        c = [("sessionid" if self.platform == "python" else rng.choice(("connect.sid", "laravel_session", "_shop_session", "JSESSIONID")),
              self.token("session_id", "request.cookies.session")),
             ("_ga", f"GA1.2.{rng.randint(10**8, 10**9)}.{rng.randint(10**9, 2 * 10**9)}"),
             ("cart_currency", self.t("currency", self.currency, "request.cookies.cart_currency"))]
        if rng.random() < 0.3:
            c.append(("csrftoken", self.token("csrf_token", "request.cookies.csrftoken")))
        if rng.random() < 0.25:
            c.append(("last_email", quote(self.email("request.cookies.last_email"), safe="")))
        if rng.random() < 0.5:
            return {k: v for k, v in c}
        return "; ".join(f"{k}={v}" for k, v in c)

    # -- exception + free text
    def message(self) -> str:
        """A free-text error message mixing personal and technical values (many phrasings/languages)."""
        rng, p = self.rng, self.person
        oid = lambda w: self.t("order_id", self.order_id, w)  # noqa: E731
        W = "exception.values.value"
        choices: list[Callable[[], str]] = []
        if self.scenario == "checkout":
            choices += [
                lambda: f"Payment declined for {self.name(W)} <{self.email(W)}> (order {oid(W)}, status={self.t('enum', self.enum, W)})",
                lambda: f"Karte {self.card(W)} für Kunde {self.name(W)} abgelehnt, Bestellung {oid(W)}",
                lambda: f"Paiement refusé : IBAN {self.iban(W)} invalide pour {self.name(W)}",
                lambda: f"Address validation failed: {self.street(W)}, {p.postcode} {p.city} [{self.t('country', self.country, W)}]",
                lambda: f"No se pudo validar la dirección «{self.street(W)}» del pedido {oid(W)}",
                lambda: f"SQL error near '{self.email(W)}' at line 1: INSERT INTO orders (id, email) VALUES ('{oid(W)}', ...)",
                lambda: f"Gateway returned HTTP {self.t('http_status', self.status, W)} for {oid(W)}; payer phone {self.phone(W)}",
                lambda: f"Charge of {self.amount_cents / 100:.2f} {self.t('currency', self.currency, W)} failed: card ending "
                        f"{p.card[0][-4:]} holder={self.name(W)}",
            ]
        elif self.scenario == "profile":
            choices += [
                lambda: f"Kunde {self.name(W)} ({self.phone(W)}) nicht gefunden",
                lambda: f"User {self.uname(W)} failed login from {self.ip(W)}",
                lambda: f'duplicate key value violates unique constraint "users_email_key" DETAIL: Key (email)=({self.email(W)}) already exists.',
                lambda: f"invalid date of birth '{self.dob(W)}' for user_id={self.uid(W)}",
                lambda: f"Le numéro {self.phone(W)} de {self.name(W)} n'est pas valide",
                lambda: f"Utente {self.name(W)} con documento {self.ssn(W) or p.postcode} già registrato",
                lambda: f"Ошибка обновления профиля «{self.name(W)}»: телефон {self.phone(W)} недействителен",
                lambda: f"Nie można zaktualizować adresu {self.street(W)} dla {self.email(W)}",
            ]
        else:
            choices += [
                lambda: f'Search query timed out after 30000ms: q="{self.name(W)}" index=customers_v{rng.randint(2, 9)}',
                lambda: f'[query_shard_exception] failed to create query: {{"term":{{"email":"{self.email(W)}"}}}}',
                lambda: f"Keine Treffer für Telefonnummer {self.phone(W)} (Shard-Status {self.t('enum', self.enum, W)})",
                lambda: f"検索に失敗しました: 「{self.name(W)}」",
                lambda: f"Lookup by phone {self.phone(W)} returned {rng.randint(2, 9)} accounts, expected 1",
                lambda: f"Aramada hata: {self.email(W)} için sonuç yok",
            ]
        return rng.choice(choices)()

    def frames(self) -> list[dict[str, Any]]:
        rng = self.rng
        frames: list[dict[str, Any]] = []
        fn = {"checkout": "charge", "profile": "update_profile", "search": "run_query"}[self.scenario]
        if self.platform in ("java", "csharp"):
            fn = {"checkout": "Charge", "profile": "UpdateProfile", "search": "Execute"}[self.scenario]
        lib = {"python": ("django/core/handlers/base.py", "django.core.handlers.base", "_get_response"),
               "node": ("node_modules/express/lib/router/layer.js", "express.lib.router.layer", "handle"),
               "java": ("DispatcherServlet.java", "org.springframework.web.servlet.DispatcherServlet", "doDispatch"),
               "php": ("/var/www/shop/vendor/laravel/framework/src/Illuminate/Routing/Controller.php",
                       "Illuminate\\Routing\\Controller", "callAction"),
               "ruby": ("actionpack (7.1.3) lib/action_controller/metal.rb", "ActionController::Metal", "dispatch"),
               "go": ("/usr/local/go/src/net/http/server.go", "net/http", "HandlerFunc.ServeHTTP"),
               "csharp": ("Microsoft.AspNetCore.Mvc.Core.dll", "Microsoft.AspNetCore.Mvc.Infrastructure", "InvokeActionMethodAsync")}
        f0, m0, fn0 = lib[self.platform]
        frames.append({"filename": f0, "module": m0, "function": fn0, "lineno": rng.randint(20, 400), "in_app": False})
        frame: dict[str, Any] = {
            "filename": self.t("path", self.path, "exception.stacktrace.frames.filename"),
            "abs_path": self.path,
            "module": self.t("module", self.module, "exception.stacktrace.frames.module"),
            "function": fn,
            "lineno": rng.randint(10, 600),
            "in_app": True,
        }
        if self.platform in ("python", "php", "ruby"):
            frame["vars"] = self.frame_vars()
            if rng.random() < 0.4:
                frame["context_line"] = {
                    "python": "    raise PaymentDeclinedError(f\"declined for {customer.email}\")",
                    "php": "        throw new PaymentFailedException(\"declined for {$customer->email}\");",
                    "ruby": "      raise Stripe::CardError.new(\"declined\", param: :number)",
                }[self.platform]
        frames.append(frame)
        return frames

    def frame_vars(self) -> dict[str, Any]:
        rng, pl = self.rng, self.platform
        W = "exception.stacktrace.frames.vars"
        v: dict[str, Any] = {}
        if pl == "python":
            v["self"] = f"<{self.exc_type.replace('Error', '')}View object at 0x7f{rnd(rng, HEX, 10)}>"
            if rng.random() < 0.5:
                v["customer"] = {"email": self.email(W), "full_name": self.name(W)}
            else:
                v["customer"] = f"<Customer: {self.name(W)} <{self.email(W)}>>"
            v["order_id"] = f"'{self.t('order_id', self.order_id, W)}'"
            if rng.random() < 0.4:
                v["payload"] = repr({"phone": self.phone(W), "dob": self.dob(W)})
            if rng.random() < 0.25:
                v["dsn"] = f"postgresql://shop_app:{self.password(W, 'db_password')}@pg-primary.internal:5432/shop"
        elif pl == "php":
            v["$orderId"] = self.t("order_id", self.order_id, W)
            v["$email"] = self.email(W)
            if rng.random() < 0.5:
                v["$request"] = {"cardholder": self.name(W), "iban": self.iban(W)}
            if rng.random() < 0.3:
                v["$apiKey"] = self.secret(W, "stripe_secret_key")
        else:
            v["@order"] = f'#<Order id: {rng.randint(1000, 99999)}, number: "{self.t("order_id", self.order_id, W)}", ' \
                          f'email: "{self.email(W)}", status: "{self.t("enum", self.enum, W)}">'
            if rng.random() < 0.5:
                v["params"] = f'{{"name"=>"{self.name(W)}", "phone"=>"{self.phone(W)}"}}'
        return v

    def exception(self) -> None:
        exc: dict[str, Any] = {
            "type": self.t("exception_type", self.exc_type, "exception.values.type"),
            "value": self.message(),
            "module": self.module,
            "mechanism": {"type": self.rng.choice(("generic", "onunhandledrejection", "django", "UncaughtExceptionHandler")),
                          "handled": self.rng.random() < 0.5},
            "stacktrace": {"frames": self.frames()},
        }
        self.event["exception"] = {"values": [exc]}

    def logentry(self) -> None:
        rng = self.rng
        W = "logentry"
        if rng.random() < 0.5:
            fmt, params = rng.choice((
                ("Sending receipt to %s for order %s", lambda: [self.email(W), self.t("order_id", self.order_id, W)]),
                ("Kunde %s hat Adresse geändert: %s", lambda: [self.name(W), self.street(W)]),
                ("login attempt user=%s ip=%s result=%s", lambda: [self.uname(W), self.ip(W), "denied"]),
                ("Rückruf an %s angefordert", lambda: [self.phone(W)]),
            ))
            plist = params()
            self.event["logentry"] = {"message": fmt, "params": plist}
            if rng.random() < 0.5:
                self.event["logentry"]["formatted"] = fmt % tuple(plist)
        else:
            self.event["logentry"] = {"formatted": rng.choice((
                lambda: f"[auth] refresh failed for {self.email(W)} sid={self.token('session_id', W)}",
                lambda: f"Geocoding '{self.street(W)}, {self.person.city}' -> 0 results (flag {self.t('feature_flag', self.flag, W)})",
                lambda: f"Verifying identity of {self.name(W)}, born {self.dob(W)}",
                lambda: f"Webhook {self.t('request_id', self.request_id, W)} rejected with {self.t('http_status', self.status, W)}",
            ))()}

    def breadcrumbs(self) -> None:
        rng = self.rng
        crumbs: list[dict[str, Any]] = []
        t0 = self.ts - timedelta(seconds=rng.randint(5, 120))
        B = "breadcrumbs"
        def ts(i: int) -> Any:
            t = t0 + timedelta(seconds=i * 2)
            return t.timestamp() if rng.random() < 0.5 else self.iso(t)
        n = 0
        # navigation
        if rng.random() < 0.5:
            to = rng.choice((
                lambda: f"/account/addresses?name={quote_plus(self.name(B + '.data.to'))}",
                lambda: "/checkout/shipping",
                lambda: f"/search?q={quote(self.email(B + '.data.to'), safe='')}",
            ))()
            crumbs.append({"type": "navigation", "category": "navigation", "timestamp": ts(n),
                           "data": {"from": "/cart", "to": to}})
            n += 1
        # http
        if rng.random() < 0.8:
            r = rng.random()
            if r < 0.35:
                url = f"https://api.acme-store.eu/v1/customers?email={quote(self.email(B + '.data.url'), safe='')}"
            elif r < 0.55:
                url = f"https://maps.acme-store.eu/geocode?address={quote_plus(self.street(B + '.data.url'))}&city={quote_plus(self.person.city)}"
            elif r < 0.7:
                url = f"https://api.acme-store.eu/v1/phone/validate?number={quote_plus(self.phone(B + '.data.url'))}"
            elif r < 0.8:
                url = f"https://shop.example.com/password/reset/{self.token('reset_token', B + '.data.url')}"
            else:
                url = f"https://payments.acme-store.eu/v2/charges/{self.t('order_id', self.order_id, B + '.data.url')}"
            crumbs.append({"type": "http", "category": rng.choice(("http", "fetch", "xhr", "httplib")), "timestamp": ts(n),
                           "data": {"url": url, "method": rng.choice(("GET", "POST")),
                                    "status_code": self.t("http_status", self.status, B + ".data.status_code"),
                                    "reason": "error"}})
            n += 1
        # query
        if rng.random() < 0.6:
            r = rng.random()
            if r < 0.4:
                msg = f"SELECT id, status FROM customers WHERE email = '{self.email(B + '.message')}' AND deleted_at IS NULL"
                data: dict[str, Any] = {}
            elif r < 0.7:
                msg = "UPDATE customers SET phone = %s, birth_date = %s WHERE id = %s"
                data = {"db.params": [self.phone(B + ".data.db.params"), self.dob(B + ".data.db.params"),
                                      self.uid(B + ".data.db.params")], "db.paramstyle": "format"}
            else:
                msg = f"SELECT * FROM orders WHERE order_number = '{self.t('order_id', self.order_id, B + '.message')}' LIMIT 1"
                data = {"db.system": "postgresql"}
            crumbs.append({"type": "query", "category": "query", "timestamp": ts(n), "message": msg, "data": data})
            n += 1
        # ui.click
        if rng.random() < 0.4:
            sel = rng.choice((
                lambda: f'form#checkout > input[name="cardholder"][value="{self.name(B + ".message")}"]',
                lambda: "button.btn-primary#pay-now",
                lambda: f'div.account-card > span[title="{self.email(B + ".message")}"]',
            ))()
            crumbs.append({"type": "ui", "category": "ui.click", "timestamp": ts(n), "message": sel})
            n += 1
        # console
        if rng.random() < 0.6:
            msg = rng.choice((
                lambda: f"Validation failed for field contactPhone: {self.phone(B + '.message')}",
                lambda: f"feature {self.t('feature_flag', self.flag, B + '.message')} enabled for {self.uid(B + '.message')}",
                lambda: f"cart total {self.amount_cents} {self.t('currency', self.currency, B + '.message')} sku={self.t('sku', self.skus[-1], B + '.message')}",
                lambda: f"Bonjour {self.name(B + '.message')}, votre commande {self.t('order_id', self.order_id, B + '.message')} est en attente",
                lambda: f"stripe: request with key {self.secret(B + '.message', 'stripe_secret_key')} returned 401",
            ))()
            crumbs.append({"category": "console", "level": "warning", "timestamp": ts(n), "message": msg})
        self.event["breadcrumbs"] = {"values": crumbs}

    def contexts(self) -> None:
        rng = self.rng
        ctx: dict[str, Any] = {
            "trace": {"trace_id": self.t("trace_id", self.trace_id, "contexts.trace.trace_id"), "span_id": self.span_id,
                      "op": "http.server", "status": "internal_error"},
            "runtime": {"name": {"python": "CPython", "node": "node", "java": "OpenJDK", "php": "php", "ruby": "ruby",
                                 "go": "go", "csharp": ".NET"}[self.platform], "version": self.t("version", self.version, "contexts.runtime.version")},
            "os": {"name": "Linux", "version": "6.1.0"},
        }
        if rng.random() < 0.6:
            c: dict[str, Any] = {"state": self.t("enum", self.enum, "contexts.checkout.state"),
                                 "amount": self.t("amount", self.amount_cents, "contexts.checkout.amount"),
                                 "currency": self.t("currency", self.currency, "contexts.checkout.currency")}
            if rng.random() < 0.5:
                c["product"] = self.t("product", self.product, "contexts.checkout.product")
            if rng.random() < 0.4:
                c["customer_ref"] = self.email("contexts.checkout.customer_ref")
            ctx[rng.choice(("checkout", "cart", "order_state"))] = c
        if rng.random() < 0.35:
            ctx["customer"] = {"type": "customer", "displayName": self.name("contexts.customer.displayName"),
                               "dateOfBirth": self.dob("contexts.customer.dateOfBirth"),
                               "mobile": self.phone("contexts.customer.mobile")}
        if rng.random() < 0.25:
            ctx["kyc"] = {"document": self.ssn("contexts.kyc.document") or "n/a", "status": self.t("enum", self.enum, "contexts.kyc.status")}
        if rng.random() < 0.2:
            ctx["browser"] = {"name": "Chrome", "version": "122.0.6261"}
        self.event["contexts"] = ctx

    def tags(self) -> None:
        rng = self.rng
        pairs = [["flag", self.t("feature_flag", self.flag, "tags.flag")],
                 ["currency", self.t("currency", self.currency, "tags.currency")],
                 ["http.status_code", str(self.t("http_status", self.status, "tags.http.status_code"))],
                 ["country", self.t("country", self.country, "tags.country")],
                 ["app.version", self.t("version", self.version, "tags.app.version")]]
        if rng.random() < 0.3:
            pairs.append(["customer", self.email("tags.customer")])
        if rng.random() < 0.2:
            pairs.append(["client_ip", self.ip("tags.client_ip")])
        if rng.random() < 0.2:
            pairs.append(["user.name", self.uname("tags.user.name")])
        rng.shuffle(pairs)
        self.event["tags"] = pairs if rng.random() < 0.5 else {k: v for k, v in pairs}

    def extra(self) -> None:
        rng = self.rng
        E = "extra"
        ex: dict[str, Any] = {"request_id": self.t("request_id", self.request_id, "extra.request_id"),
                              "started_at": self.t("timestamp", self.iso(self.ts - timedelta(seconds=rng.randint(1, 30))), "extra.started_at")}
        if self.scenario == "checkout":
            ex["order"] = {"id": self.t("order_id", self.order_id, "extra.order.id"),
                           "skus": [self.t("sku", s, "extra.order.skus") for s in self.skus],
                           "total": self.t("amount", f"{self.amount_cents / 100:.2f}", "extra.order.total"),
                           "state": self.t("enum", self.enum, "extra.order.state")}
        r = rng.random()
        if r < 0.15:
            ex["env"] = {"DATABASE_URL": f"mysql://shop:{self.password(E + '.env.DATABASE_URL', 'db_password')}@mysql-1.internal:3306/shop",
                         "AWS_ACCESS_KEY_ID": self.secret(E + ".env.AWS_ACCESS_KEY_ID", "aws_access_key_id"),
                         "AWS_SECRET_ACCESS_KEY": self.secret(E + ".env.AWS_SECRET_ACCESS_KEY", "aws_secret_access_key")}
        elif r < 0.25:
            ex["slack"] = {"token": self.secret(E + ".slack.token", "slack_bot_token"), "channel": "#alerts-checkout"}
        elif r < 0.32:
            ex["apns_key"] = self.secret(E + ".apns_key", "pem_private_key")
        elif r < 0.4:
            ex["git_clone"] = f"https://x-access-token:{self.secret(E + '.git_clone', 'github_pat')}@github.com/acme/shop-config.git"
        if rng.random() < 0.2:
            ex["rate_limit_hits"] = {self.email(E + ".rate_limit_hits<key>"): rng.randint(5, 50)}
        if rng.random() < 0.2:
            ex["shipping_label"] = f"{self.name(E + '.shipping_label')}\n{self.street(E + '.shipping_label')}\n" \
                                   f"{self.person.postcode} {self.person.city}"
        if rng.random() < 0.2:
            ex["raw_body"] = json.dumps({"email": self.email(E + ".raw_body"), "name": self.name(E + ".raw_body")},
                                        ensure_ascii=True)
        if rng.random() < 0.2:
            ex["service"] = {"host": rng.choice(HOSTS), "path": self.t("path", self.path, "extra.service.path"),
                             "deploy": self.t("release", self.release, "extra.service.deploy")}
        self.event["extra"] = ex


def weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    total = sum(w for _, w in options)
    x = rng.uniform(0, total)
    for value, w in options:
        x -= w
        if x <= 0:
            return value
    return options[-1][0]


# --------------------------------------------------------------------------- forms + self-check


def leaves(node: Any) -> list[str]:
    out: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for k, v in n.items():
                out.append(str(k))
                walk(v)
        elif isinstance(n, list):
            for x in n:
                walk(x)
        elif isinstance(n, str):
            out.append(n)
        elif isinstance(n, (int, float)) and not isinstance(n, bool):
            out.append(str(n))

    walk(node)
    return out


def map_strings(node: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(node, dict):
        return {fn(str(k)): map_strings(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [map_strings(x, fn) for x in node]
    if isinstance(node, str):
        return fn(node)
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        s = str(node)
        r = fn(s)
        return node if r == s else r
    return node


def attach_forms(event: dict[str, Any], personal: list[dict[str, Any]]) -> None:
    """Record every other literal spelling of a planted value that really occurs in the event."""
    text = "\n".join(leaves(event))
    for entry in personal:
        value, kind = entry["value"], entry["kind"]
        cands = list(scoring.literal_variants(value, kind).values())
        cands += [quote(value, safe=""), quote_plus(value), quote(value), quote(value, safe="@"),
                  json.dumps(value)[1:-1], json.dumps(json.dumps(value)[1:-1])[1:-1]]
        for c in cands:
            if c != value and c in text and c not in entry["forms"]:
                entry["forms"].append(c)


def redact(event: dict[str, Any], personal: list[dict[str, Any]]) -> dict[str, Any]:
    literals = sorted({lit for e in personal for lit in [e["value"], *e["forms"]] if lit}, key=len, reverse=True)

    def fn(s: str) -> str:
        for lit in literals:
            if lit in s:
                s = s.replace(lit, "\u2591")
        return s

    return map_strings(event, fn)


def self_check(event: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    hay = scoring.build_haystack(event)
    for p in entry["personal"]:
        if scoring.find_leak(p, hay) is None:
            problems.append(f"not planted: {p['kind']} {p['value']!r}")
    for t in entry["technical"]:
        if not scoring.is_kept(t, hay):
            problems.append(f"tech not kept raw: {t['kind']} {t['value']!r}")
    red = scoring.build_haystack(redact(event, entry["personal"]))
    for p in entry["personal"]:
        how = scoring.find_leak(p, red)
        if how is not None:
            problems.append(f"survives redaction: {p['kind']} {p['value']!r} via {how}")
    for t in entry["technical"]:
        if not scoring.is_kept(t, red):
            problems.append(f"tech destroyed by redaction: {t['kind']} {t['value']!r}")
    return problems


@dataclass(frozen=True)
class Flavor:
    """What sets one generator apart; the drive below (re-rolls, truth file, command line) is shared."""

    builder: Callable[[random.Random, int], Any]  # (rng, index) -> an object with build(), rec, scenario, ...
    generator: str  # as the truth file names it: "bench/corpus_alt.py"
    stem: str  # seeds each event's generator: "<stem>:<seed>:<index>:<attempt>"
    default_seed: int
    description: str
    technical_kinds: tuple[str, ...]


def flavor_event(flavor: Flavor, seed: int, index: int, stats: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One event and its truth entry; an event that fails the self-check is drawn again."""
    last: list[str] = []
    for attempt in range(200):
        b = flavor.builder(random.Random(f"{flavor.stem}:{seed}:{index}:{attempt}"), index)
        event = json.loads(json.dumps(b.build()))  # plain JSON types only
        personal = list(b.rec.personal.values())
        technical = list(b.rec.technical.values())
        attach_forms(event, personal)
        hay = scoring.build_haystack(event)
        for t in technical:
            t["occurrences"] = max(1, scoring.count_occurrences(t, hay))
        entry = {"index": index, "event_id": event["event_id"], "scenario": b.scenario, "locale": b.locale,
                 "platform": b.platform, "personal": personal, "technical": technical}
        last = self_check(event, entry)
        if not last:
            return event, entry
        stats["rerolls"] += 1
        stats["reasons"].append(last[0])
    raise RuntimeError(f"event {index}: no valid event after 200 attempts: {last}")


def flavor_generate(flavor: Flavor, n: int, seed: int,
                    stats: dict[str, Any] | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield (event, truth entry) for indexes 0..n-1, as ``bench.corpus.generate`` does."""
    stats = stats if stats is not None else {"rerolls": 0, "reasons": []}
    for index in range(n):
        yield flavor_event(flavor, seed, index, stats)


def flavor_truth(flavor: Flavor, seed: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The truth file: metadata plus one entry per event, aligned with the JSONL line order."""
    return {
        "version": 1, "generator": flavor.generator, "seed": seed, "count": len(entries),
        "personal_kinds": list(PERSONAL_KINDS), "technical_kinds": list(flavor.technical_kinds),
        "zero_leak_kinds": sorted(scoring.ZERO_LEAK_KINDS), "events": entries,
    }


def flavor_main(flavor: Flavor, argv: Sequence[str] | None = None) -> int:
    """``--events N --seed S --out events.jsonl --truth truth.json [-v]``."""
    ap = argparse.ArgumentParser(description=flavor.description)
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=flavor.default_seed)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(list(argv) if argv is not None else None)
    stats: dict[str, Any] = {"rerolls": 0, "reasons": []}
    entries = []
    with args.out.open("w", encoding="utf-8") as fh:
        for event, entry in flavor_generate(flavor, args.events, args.seed, stats):
            fh.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
            entries.append(entry)
    args.truth.write_text(json.dumps(flavor_truth(flavor, args.seed, entries), ensure_ascii=False, indent=1),
                          encoding="utf-8")
    if args.verbose:
        print(f"{args.events} events, {stats['rerolls']} re-rolled", file=sys.stderr)
        for reason in stats["reasons"][:20]:
            print("  " + reason, file=sys.stderr)
    return 0


FLAVOR = Flavor(Builder, "bench/corpus_alt.py", "corpus-alt", 11,
                "Independent alternative Sentry-event corpus with a truth file.", TECHNICAL_KINDS)
generate = partial(flavor_generate, FLAVOR)
truth_document = partial(flavor_truth, FLAVOR)
main = partial(flavor_main, FLAVOR)


if __name__ == "__main__":
    sys.exit(main())
