"""Mobile/browser-SDK corpus: Sentry-shaped events with planted personal and technical values.

A third measuring stick next to ``bench/corpus.py`` and ``bench/corpus_alt.py``, focused on shapes
neither covers: ``contexts.device/os/app``, ``user.geo`` and ``user.data``, developer hostnames,
browser URLs with query and fragment, Referer headers, DOM-selector breadcrumbs with values,
navigation/fetch/xhr breadcrumbs, nested JSON strings and Python/Ruby/PHP repr dumps, raw
multipart bodies, ``From``/``X-User-Email``/``X-Forwarded-For`` headers, and free-text ORM,
GraphQL, SMTP and payment errors. Same truth format and command line as ``corpus_alt.py``.

Usage::

    python bench/corpus_mobile.py --events 1000 --seed 5 --out events.jsonl --truth truth.json [-v]

Deterministic (``random.Random("corpus-mobile:<seed>:<index>:<attempt>")``); each event is
self-checked with the scorer exactly like ``corpus_alt.py`` and re-rolled on failure.
"""

from __future__ import annotations

import base64
import html
import json
import random
import sys
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

if __package__:
    from . import corpus_alt as alt
else:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import corpus_alt as alt

rnd, HEX, ALNUM, UPPER_DIG = alt.rnd, alt.HEX, alt.ALNUM, alt.UPPER_DIG

PERSONAL_KINDS = alt.PERSONAL_KINDS
TECHNICAL_KINDS = (
    "sdk", "sdk_version", "device_model", "os_version", "app_build", "bundle_id", "release", "selector",
    "request_id", "order_id", "sku", "currency", "http_status", "route", "path", "function", "card_last4",
    "exception_type", "amount",
)  # fmt: skip

LOCALES = (
    ("en_US", 14), ("en_GB", 8), ("de_DE", 10), ("fr_FR", 8), ("es_ES", 8), ("it_IT", 6),
    ("nl_NL", 5), ("pl_PL", 5), ("pt_BR", 6), ("sv_SE", 4), ("ja_JP", 3), ("tr_TR", 3), ("cs_CZ", 3),
)  # fmt: skip
PLATFORMS = (("javascript", 35), ("cocoa", 20), ("android", 20), ("react-native", 10), ("python", 5),
             ("ruby", 5), ("php", 5))  # fmt: skip

SDKS = {
    "javascript": [("sentry.javascript.browser", "8.47.0"), ("sentry.javascript.react", "8.33.1"),
                   ("sentry.javascript.vue", "7.120.2")],
    "cocoa": [("sentry.cocoa", "8.42.0"), ("sentry.cocoa", "8.36.0")],
    "android": [("sentry.java.android", "7.19.0"), ("sentry.java.android", "7.14.0")],
    "react-native": [("sentry.javascript.react-native", "5.36.0"), ("sentry.javascript.react-native", "6.4.0")],
    "python": [("sentry.python.django", "2.19.2")],
    "ruby": [("sentry.ruby.rails", "5.22.1")],
    "php": [("sentry.php.laravel", "4.10.1")],
}  # fmt: skip
IOS_DEVICES = (("iPhone15,2", "iPhone 14 Pro"), ("iPhone16,1", "iPhone 15 Pro"), ("iPhone14,5", "iPhone 13"),
               ("iPad13,18", "iPad (10th generation)"), ("iPhone17,3", "iPhone 16"))  # fmt: skip
ANDROID_DEVICES = (("SM-S911B", "Galaxy S23", "samsung"), ("SM-A546B", "Galaxy A54 5G", "samsung"),
                   ("Pixel 8 Pro", "Pixel 8 Pro", "Google"), ("2201117TG", "Redmi Note 11", "Xiaomi"),
                   ("CPH2451", "OnePlus 11", "OnePlus"))  # fmt: skip
IOS_VERSIONS = ("17.5.1", "18.1", "16.7.10", "18.2.1")
ANDROID_VERSIONS = (("14", "UP1A.231005.007"), ("13", "TP1A.220624.014"), ("15", "AP3A.241105.007"))
BUNDLES = ("com.acmeshop.ios", "com.acme.shop.android", "io.acmestore.app", "com.acme.shop.beta")
ROUTES = ("/account/settings", "/checkout/payment", "/signup", "/orders/:orderId", "/profile/edit", "/cart")
JS_FILES = ("app:///main.jsbundle", "https://shop.example.com/static/js/main.4f2c9a1b.js",
            "webpack:///./src/features/checkout/PaymentForm.tsx", "app:///index.android.bundle")  # fmt: skip
FUNCTIONS = ("submitPaymentForm", "handleSignupSubmit", "AccountViewModel.saveProfile", "CheckoutFragment.onPay",
             "-[ACMProfileController saveTapped:]", "useUpdateProfileMutation", "ProfileRepository.update")  # fmt: skip
SELECTORS_PLAIN = ("button#checkout-submit.btn.btn-primary", "div.cart-summary > button.pay-now",
                   "form#signup > button[type=\"submit\"]", "nav.tabbar > a[href=\"/account\"]",
                   "span.icon-close", "a.order-link[data-testid=\"order-row\"]")  # fmt: skip
CURRENCIES = ("USD", "EUR", "GBP", "PLN", "BRL", "SEK", "JPY", "CZK", "TRY")
HOST = ("https://shop.example.com", "https://www.acme-store.eu", "https://m.acmeshop.com")


class Rec(alt.Rec):
    technical_kinds = TECHNICAL_KINDS


class Builder(alt.Builder):
    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.rec = Rec()
        self.locale = alt.weighted(rng, LOCALES)
        self.person = alt.Persona(rng, alt.fakers(), self.locale)
        self.platform = alt.weighted(rng, PLATFORMS)
        self.scenario = rng.choice(("checkout", "profile", "signup"))
        self.index = index
        self.event: dict[str, Any] = {}
        self.ts = alt.BASE_TIME + timedelta(seconds=rng.randint(0, 90 * 86400), microseconds=rng.randint(0, 999) * 1000)
        self.order_id = rng.choice((lambda: f"ORD-{rng.randint(2024, 2025)}-{rng.randint(100000, 999999)}",
                                    lambda: f"ord_{rnd(rng, 'abcdefghjkmnpqrstuvwxyz23456789', 14)}"))()
        self.sku = rng.choice((lambda: f"SKU-{rnd(rng, UPPER_DIG, 6)}", lambda: f"A{rng.randint(100, 999)}-{rnd(rng, UPPER_DIG, 4)}"))()
        self.request_id = rng.choice((lambda: "req_" + rnd(rng, ALNUM, 18), lambda: self._uuid()))()
        self.currency = rng.choice(CURRENCIES)
        self.amount = rng.randint(199, 99999)
        self.status = rng.choice((400, 402, 409, 422, 500, 502, 503))
        self.mobile = self.platform in ("cocoa", "android", "react-native")
        self.route = rng.choice(ROUTES)

    def first_name(self) -> str:
        return self.person.name.split(" ")[0]

    # ------------------------------------------------------------------ build
    def build(self) -> dict[str, Any]:
        rng, ev = self.rng, self.event
        ev["event_id"] = rnd(rng, HEX, 32)
        ev["timestamp"] = self.iso() if rng.random() < 0.5 else round(self.ts.timestamp(), 3)
        ev["platform"] = "cocoa" if self.platform == "cocoa" else ("java" if self.platform == "android" else
                                                                    ("javascript" if self.platform in ("javascript", "react-native") else self.platform))
        ev["level"] = rng.choice(("error", "error", "fatal", "warning"))
        sdk_name, sdk_ver = rng.choice(SDKS[self.platform])
        ev["sdk"] = {"name": self.t("sdk", sdk_name, "sdk.name"), "version": self.t("sdk_version", sdk_ver, "sdk.version"),
                     "packages": [{"name": "npm:@sentry/browser" if self.platform == "javascript" else "sentry-sdk",
                                   "version": sdk_ver}]}
        ev["environment"] = rng.choice(("production", "staging", "production"))
        if self.mobile:
            self.bundle = rng.choice(BUNDLES)
            self.app_ver = f"{rng.randint(3, 7)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
            self.build_no = str(rng.randint(1000, 99999))
            ev["release"] = self.t("release", f"{self.bundle}@{self.app_ver}+{self.build_no}", "release")
            ev["dist"] = self.t("app_build", self.build_no, "dist")
        else:
            ev["release"] = self.t("release", rng.choice((f"shop-web@{rng.randint(3, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
                                                          f"frontend@2025.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}")), "release")
        ev["transaction"] = self.t("route", self.route, "transaction")
        self.server_name()
        self.user()
        self.contexts()
        if self.platform in ("javascript", "react-native", "python", "ruby", "php") or rng.random() < 0.3:
            self.request()
        self.exception()
        self.breadcrumbs()
        self.extra()
        self.tags()
        return ev

    def server_name(self) -> None:
        rng = self.rng
        if rng.random() < 0.35 and self.locale in ("en_US", "en_GB", "de_DE", "nl_NL", "sv_SE", "fr_FR"):
            first = self.first_name()
            if not first.isascii() or not first.isalpha() or len(first) < 3:
                self.event["server_name"] = "web-7c9f8d-x2kqp"
                return
            style = rng.choice(("mac", "maclower", "win", "linux"))
            if style == "mac":
                label = self.rec.p("name", f"{first}s", "server_name")
                host = f"{label}-MacBook-Pro.local"
            elif style == "maclower":
                label = self.rec.p("name", f"{first.lower()}s", "server_name")
                host = f"{label}-macbook-pro.local"
            elif style == "win":
                label = self.rec.p("name", first.upper(), "server_name")
                host = f"DESKTOP-{label}"  # "DESKTOP-JANE"
            else:
                user = self.uname("server_name")
                host = f"{user}-thinkpad"
            self.event["server_name"] = host
        elif rng.random() < 0.5:
            self.event["server_name"] = rng.choice(("web-7c9f8d-x2kqp", "ip-10-0-3-17.eu-west-1.compute.internal"))

    def user(self) -> None:
        rng, u = self.rng, {}
        if rng.random() < 0.85:
            uid = self.uid("user.id")
            u["id"] = uid
        if rng.random() < 0.6:
            u["email"] = self.email("user.email")
        if rng.random() < 0.6:
            u["ip_address"] = self.ip("user.ip_address")
        else:
            u["ip_address"] = "{{auto}}"
        if rng.random() < 0.35:
            u["username"] = self.uname("user.username")
        if rng.random() < 0.5:
            city = self.rec.p("address", self.person.city, "user.geo.city")
            u["geo"] = {"city": city, "region": rng.choice(("Bavaria", "Île-de-France", "California", "England", "Catalonia")),
                        "country_code": rng.choice(("DE", "FR", "US", "GB", "ES"))}
        if rng.random() < 0.6:
            d: dict[str, Any] = {"plan": rng.choice(("pro", "free", "family")), "onboarded": rng.random() < 0.5}
            if rng.random() < 0.6:
                d["full_name"] = self.name("user.data.full_name")
            if rng.random() < 0.5:
                d["phone_number"] = self.phone("user.data.phone_number")
            if rng.random() < 0.4:
                d["birthday"] = self.dob("user.data.birthday")
            if rng.random() < 0.3:
                d["shipping"] = {"line1": self.street("user.data.shipping.line1"), "postal_code": self.person.postcode}
            if rng.random() < 0.15:
                ssn = self.ssn("user.data.national_id")
                if ssn:
                    d["national_id"] = ssn
            u["data"] = d
        self.event["user"] = u

    def contexts(self) -> None:
        rng, c = self.rng, {}
        if self.platform in ("cocoa", "react-native") and rng.random() < 0.5 or self.platform == "cocoa":
            model, family = rng.choice(IOS_DEVICES)
            kind = "iPad" if model.startswith("iPad") else "iPhone"
            dev = {"family": "iOS", "model": self.t("device_model", model, "contexts.device.model"), "model_id": family,
                   "arch": "arm64e", "simulator": False, "battery_level": rng.randint(5, 100), "orientation": "portrait"}
            if rng.random() < 0.7:
                if rng.random() < 0.6:
                    n = self.name("contexts.device.name")
                    dev["name"] = rng.choice((f"{n}'s {kind}", f"{n}\u2019s {kind}", f"{kind} von {n}", f"{kind} de {n}"))
                else:
                    f = self.rec.p("name", self.first_name(), "contexts.device.name")
                    dev["name"] = rng.choice((f"{f}'s {kind}", f"{kind} de {f}", f"{kind} di {f}"))
            c["device"] = dev
            osv = self.t("os_version", rng.choice(IOS_VERSIONS), "contexts.os.version")
            c["os"] = {"name": "iOS", "version": osv, "build": "22B91", "kernel_version": "Darwin Kernel Version 24.1.0"}
        elif self.platform in ("android", "react-native"):
            model, family, brand = rng.choice(ANDROID_DEVICES)
            dev = {"family": family, "model": self.t("device_model", model, "contexts.device.model"), "brand": brand,
                   "manufacturer": brand, "archs": ["arm64-v8a"], "screen_density": 2.625, "simulator": False}
            if rng.random() < 0.7:
                n = self.name("contexts.device.name") if rng.random() < 0.5 else self.rec.p("name", self.first_name(), "contexts.device.name")
                dev["name"] = rng.choice((f"{family} de {n}", f"{n}'s {family}", f"{family} von {n}", f"{family} ({n})"))
            c["device"] = dev
            ver, bld = rng.choice(ANDROID_VERSIONS)
            c["os"] = {"name": "Android", "version": self.t("os_version", ver, "contexts.os.version"), "build": bld,
                       "kernel_version": "5.15.123-android14-11"}
        if self.mobile:
            app = {"app_identifier": self.t("bundle_id", self.bundle, "contexts.app.app_identifier"),
                   "app_name": "Acme Shop", "app_version": self.app_ver, "app_build": self.build_no,
                   "device_app_hash": rnd(rng, HEX, 40), "in_foreground": True}
            if rng.random() < 0.25:
                app["view_names"] = [rng.choice(("ProfileViewController", "CheckoutActivity", "AccountScreen"))]
            c["app"] = app
        if self.platform in ("javascript",):
            c["browser"] = {"name": rng.choice(("Chrome", "Safari", "Firefox")), "version": rng.choice(("131.0.0", "18.1", "133.0"))}
            c["os"] = {"name": rng.choice(("Windows", "Mac OS X", "iOS", "Android")), "version": "10"}
        if rng.random() < 0.35:
            # nested JSON string in a custom context
            inner = {"email": self.email("contexts.state.json"), "cartId": self.order_id}
            self.t("order_id", self.order_id, "contexts.state.json")
            if rng.random() < 0.5:
                inner["phone"] = self.phone("contexts.state.json")
            c["redux_state"] = {"type": "string", "value": json.dumps({"auth": {"user": inner}, "route": self.route},
                                                                      ensure_ascii=rng.random() < 0.5)}
        if rng.random() < 0.2:
            c["trace"] = {"trace_id": rnd(rng, HEX, 32), "span_id": rnd(rng, HEX, 16), "op": "ui.action.click"}
        self.event["contexts"] = c

    # ------------------------------------------------------------------ request
    def request(self) -> None:
        rng = self.rng
        host = rng.choice(HOST)
        req: dict[str, Any] = {}
        headers: list[list[str]] = []
        shape = rng.choice(("fragment", "query", "plain", "multipart", "callback"))
        if shape == "fragment":
            e = self.email("request.url#fragment")
            req["url"] = f"{host}/app#/account?email={rng.choice((quote(e, safe=''), e, quote_plus(e)))}&tab=security"
        elif shape == "query":
            n = self.name("request.url?query")
            req["url"] = f"{host}/signup/confirm?name={quote_plus(n)}&step=2"
            req["query_string"] = f"name={quote_plus(n)}&step=2"
        elif shape == "callback":
            tok = self.jwt("request.url#access_token")
            req["url"] = f"{host}/oauth/callback#access_token={tok}&token_type=Bearer&expires_in=3600"
        else:
            req["url"] = f"{host}{self.t('route', self.route, 'request.url').replace(':orderId', self.order_id)}"
        req["method"] = "POST" if shape == "multipart" else "GET"
        ua = rng.choice(("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                         "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"))
        headers.append(["User-Agent", ua])
        if rng.random() < 0.6:
            r = rng.random()
            if r < 0.4:
                e = self.email("request.headers.Referer")
                p = self.phone("request.headers.Referer")
                headers.append(["Referer", f"{host}/register?email={quote(e, safe='')}&phone={quote_plus(p)}&src=ad"])
            elif r < 0.7:
                n = self.name("request.headers.Referer")
                headers.append(["Referer", f"{host}/search?q={quote(n)}"])
            else:
                t = self.token("reset_token", "request.headers.Referer")
                headers.append(["Referer", f"{host}/password/reset?token={t}"])
        if rng.random() < 0.3:
            headers.append(["From", self.email("request.headers.From")])
        if rng.random() < 0.35:
            headers.append(["X-User-Email", self.email("request.headers.X-User-Email")])
        if rng.random() < 0.4:
            headers.append(["X-Forwarded-For", f"{self.ip('request.headers.X-Forwarded-For')}, 10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}"])
        if rng.random() < 0.3:
            headers.append(["Cookie", f"_ga=GA1.2.{rng.randint(10**8, 10**9)}.{rng.randint(10**8, 10**9)}; "
                                      f"sessionid={self.token('session_id', 'request.headers.Cookie')}"])
        headers.append(["X-Request-Id", self.t("request_id", self.request_id, "request.headers.X-Request-Id")])
        if shape == "multipart":
            b = "----WebKitFormBoundary" + rnd(rng, ALNUM, 16)
            fields = [("email", self.email("request.data.multipart")), ("full_name", self.name("request.data.multipart"))]
            if rng.random() < 0.5:
                fields.append(("password", self.password("request.data.multipart")))
            if rng.random() < 0.5:
                fields.append(("phone", self.phone("request.data.multipart")))
            fields.append(("sku", self.t("sku", self.sku, "request.data.multipart")))
            parts = [f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields]
            parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"IMG_{rng.randint(1000, 9999)}.HEIC\"\r\n"
                         f"Content-Type: image/heic\r\n\r\n(binary)\r\n--{b}--\r\n")
            req["data"] = "".join(parts)
            headers.append(["Content-Type", f"multipart/form-data; boundary={b}"])
        req["headers"] = headers
        self.event["request"] = req

    # ------------------------------------------------------------------ exception
    def exception(self) -> None:
        rng = self.rng
        kind = rng.choice(("pg", "mysql", "validation", "rails", "graphql", "smtp", "smtp2", "card_masked",
                           "card_full", "fetch", "generic"))
        etype = "Error"
        if kind == "pg":
            e = self.email("exception.value")
            etype, value = "IntegrityError", (f'duplicate key value violates unique constraint "users_email_key"\n'
                                              f"DETAIL:  Key (email)=({e}) already exists.")
        elif kind == "mysql":
            e = self.email("exception.value")
            etype, value = "QueryException", f"SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '{e}' for key 'users.email'"
        elif kind == "validation":
            p = self.phone("exception.value")
            etype, value = "ValidationError", f"ValidationError: phone_number '{p}' is not valid (region={rng.choice(('DE', 'US', 'FR'))})"
        elif kind == "rails":
            e = self.email("exception.value")
            n = self.name("exception.value")
            etype, value = "ActiveRecord::RecordInvalid", f"Validation failed: Email {e} has already been taken, Name {n} is reserved"
        elif kind == "graphql":
            e = self.email("exception.value")
            p = self.phone("exception.value")
            vars_ = json.dumps({"input": {"email": e, "phone": p, "orderId": self.order_id}})
            self.t("order_id", self.order_id, "exception.value")
            etype, value = "GraphQLError", f'Variable "$input" got invalid value {vars_}; Field "phone" is not a valid E.164 number.'
        elif kind == "smtp":
            e = self.email("exception.value")
            etype, value = "SMTPRecipientsRefused", f"{{'{e}': (550, b'5.1.1 <{e}>: Recipient address rejected: User unknown in virtual mailbox table')}}"
        elif kind == "smtp2":
            e = self.email("exception.value")
            etype, value = "Net::SMTPFatalError", f"550 5.1.1 <{e}>: Recipient address rejected"
        elif kind == "card_masked":
            last4 = self.t("card_last4", rnd(rng, "0123456789", 4), "exception.value")
            cur = self.t("currency", self.currency, "exception.value")
            etype, value = "Stripe::CardError", f"Your card ending {last4} was declined (decline_code=insufficient_funds, amount={self.amount} {cur})"
        elif kind == "card_full":
            card = self.card("exception.value")
            n = self.name("exception.value")
            etype, value = "PaymentError", f"Invalid card number {card} for cardholder {n}: luhn check passed but BIN unsupported"
        elif kind == "fetch":
            etype = "TypeError"
            value = f"Failed to fetch ({self.t('route', self.route, 'exception.value')})"
        else:
            etype = rng.choice(("TypeError", "NSInvalidArgumentException", "java.lang.IllegalStateException"))
            value = "Cannot read properties of undefined (reading 'address')"
        self.t("exception_type", etype, "exception.type")
        fn = self.t("function", rng.choice(FUNCTIONS), "exception.stacktrace.function")
        path = self.t("path", rng.choice(JS_FILES), "exception.stacktrace.abs_path")
        frames = [{"function": "dispatch", "abs_path": "app:///node_modules/react-native/index.js", "lineno": 114, "in_app": False},
                  {"function": fn, "abs_path": path, "lineno": rng.randint(10, 900), "colno": rng.randint(1, 80), "in_app": True}]
        self.event["exception"] = {"values": [{"type": etype, "value": value, "mechanism": {"type": rng.choice(("onerror", "generic", "onunhandledrejection")), "handled": False},
                                              "stacktrace": {"frames": frames}}]}

    # ------------------------------------------------------------------ breadcrumbs
    def breadcrumbs(self) -> None:
        rng = self.rng
        crumbs: list[dict[str, Any]] = []
        ts = self.ts.timestamp() - 30
        host = rng.choice(HOST)

        def add(c: dict[str, Any]) -> None:
            c["timestamp"] = round(ts + len(crumbs), 3)
            crumbs.append(c)

        add({"category": "ui.click", "message": self.t("selector", rng.choice(SELECTORS_PLAIN), "breadcrumbs.message")})
        for _ in range(rng.randint(1, 4)):
            k = rng.choice(("click_email", "input_name", "input_phone", "nav", "fetch", "xhr", "console", "click_html"))
            if k == "click_email":
                e = self.email("breadcrumbs.ui.click")
                add({"category": rng.choice(("ui.click", "ui.input")),
                     "message": rng.choice((f'form#signup > input#email[value="{e}"]',
                                            f"body > div#root > input.form-control[name=\"email\"][value=\"{e}\"]"))})
            elif k == "input_name":
                n = self.name("breadcrumbs.ui.input")
                add({"category": "ui.input", "message": f'input#full-name.form-control[value="{n}"]'})
            elif k == "input_phone":
                p = self.phone("breadcrumbs.ui.input")
                add({"category": "ui.input", "message": f'input[type="tel"][name="phone"][value="{p}"]'})
            elif k == "click_html":
                n = self.name("breadcrumbs.ui.click")
                esc = html.escape(n, quote=True)
                if esc != n:
                    self.rec.form("name", n, esc)
                add({"category": "ui.click", "message": f'li.contact[title="{esc}"] > span.avatar'})
            elif k == "nav":
                e = self.email("breadcrumbs.navigation")
                frm = f"/signup?email={quote(e, safe='')}"
                add({"category": "navigation", "data": {"from": frm, "to": self.t("route", self.route, "breadcrumbs.navigation.to")}})
            elif k in ("fetch", "xhr"):
                body: dict[str, Any] = {"email": self.email(f"breadcrumbs.{k}.request_body")}
                if rng.random() < 0.5:
                    body["password"] = self.password(f"breadcrumbs.{k}.request_body")
                if rng.random() < 0.3:
                    body["iban"] = self.iban(f"breadcrumbs.{k}.request_body")
                url = f"{host}/api/v1/users?email={quote_plus(body['email'])}" if rng.random() < 0.4 else f"{host}/api/v1/session"
                if rng.random() < 0.15:
                    raw = self.basic(f"breadcrumbs.{k}.url")  # base64; also plant the userinfo URL
                    val = base64.b64decode(raw).decode()
                    user, pw = val.split(":", 1)
                    url = f"https://{quote(user, safe='')}:{quote(pw, safe='')}@api.acme-store.eu/v1/orders"
                    self.rec.form("basic_auth", val, f"{quote(user, safe='')}:{quote(pw, safe='')}")
                    add({"category": "console", "level": "debug", "message": f"Authorization: Basic {raw}"})
                st = self.t("http_status", self.status, f"breadcrumbs.{k}.status_code")
                add({"category": k, "type": "http", "data": {"method": "POST", "url": url, "status_code": st,
                                                             "request_body": json.dumps(body), "request_body_size": 120}})
            else:
                add({"category": "console", "level": "log",
                     "message": f"[auth] signed in as {self.uname('breadcrumbs.console')} ({self.uid('breadcrumbs.console')})"})
        self.event["breadcrumbs"] = {"values": crumbs}

    # ------------------------------------------------------------------ extra
    def extra(self) -> None:
        rng = self.rng
        ex: dict[str, Any] = {"order_id": self.t("order_id", self.order_id, "extra.order_id"),
                              "amount": self.t("amount", self.amount, "extra.amount"),
                              "currency": self.t("currency", self.currency, "extra.currency"),
                              "sku": self.t("sku", self.sku, "extra.sku")}
        style = rng.choice(("py", "rb", "php", "php_print_r", "json", "json2", "none"))
        e = self.email(f"extra.{style}") if style != "none" else None
        if style == "py":
            n = self.name("extra.py")
            d = {"email": e, "name": n, "sku": self.sku}
            if rng.random() < 0.4:
                d["iban"] = self.iban("extra.py")
            ex["payload_repr"] = repr(d)
        elif style == "rb":
            n = self.name("extra.rb")
            ex["params"] = f'{{:email=>"{e}", :name=>"{n}", :sku=>"{self.sku}", :qty=>1}}'
            if rng.random() < 0.4:
                ex["params"] = ex["params"][:-1] + f', :password=>"{self.password("extra.rb")}"}}'
        elif style == "php":
            p = self.phone("extra.php")
            ex["input"] = (f"array (\n  'email' => '{e}',\n  'phone' => '{p}',\n  'sku' => '{self.sku}',\n"
                           f"  'token' => '{self.token('csrf_token', 'extra.php')}',\n)")
        elif style == "php_print_r":
            a = self.street("extra.php_print_r")
            ex["customer"] = f"Array\n(\n    [email] => {e}\n    [address] => {a}\n    [sku] => {self.sku}\n)\n"
        elif style == "json":
            ex["last_response"] = json.dumps({"data": {"user": {"email": e, "dob": self.dob("extra.json")}}, "requestId": self.request_id})
            self.t("request_id", self.request_id, "extra.last_response")
        elif style == "json2":  # JSON string inside a JSON string
            inner = json.dumps({"email": e, "ip": self.ip("extra.json2")})
            ex["queue_message"] = json.dumps({"body": inner, "attempt": 2})
        if rng.random() < 0.15:
            ex["config"] = {"stripe": {"secret_key": self.secret("extra.config", "stripe_secret_key")}, "region": "eu-west-1"}
        self.event["extra"] = ex

    def tags(self) -> None:
        rng = self.rng
        tags = [["os.name", self.event.get("contexts", {}).get("os", {}).get("name", "Windows")], ["level", self.event["level"]],
                ["currency", self.currency]]
        if rng.random() < 0.25:
            tags.append(["user.email", self.email("tags.user.email")])
        self.event["tags"] = tags



FLAVOR = alt.Flavor(Builder, "bench/corpus_mobile.py", "corpus-mobile", 5,
                    "Mobile/browser-SDK Sentry-event corpus with a truth file.", TECHNICAL_KINDS)
generate = partial(alt.flavor_generate, FLAVOR)
truth_document = partial(alt.flavor_truth, FLAVOR)
main = partial(alt.flavor_main, FLAVOR)


if __name__ == "__main__":
    sys.exit(main())
