"""A small web shop used as both "production" and "QA" by incident-replay.

Why it exists: the replay pipeline needs a real HTTP service whose crashes are
captured by sentry-sdk in production and can then be replayed (anonymized)
into a QA copy.  The same code serves both roles; they differ only in the
arguments of :func:`create_app` (release, feature flags, fixed bugs, variant).

Standalone on purpose: it imports nothing from the project's packages, so it
behaves like a third-party service the tool knows nothing about.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
import time
import traceback
import warnings
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import metadata
from typing import Any, Callable, Iterable, Mapping, Optional, Union

import sentry_sdk
import sentry_sdk.feature_flags
from flask import Flask, Response, jsonify, request
from sentry_sdk.envelope import Envelope
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.transport import Transport
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, UnprocessableEntity
from werkzeug.serving import make_server

from . import bugs

DEFAULT_RELEASE = "shop@1.4.2"
DEFAULT_FLAGS: dict[str, bool] = {"new_checkout": True, "loyalty_points": False}
VARIANTS = ("different-error",)

#: SKU -> (title, price in cents).
CATALOG: dict[str, tuple[str, int]] = {
    "TSHIRT-001": ("Replay T-shirt", 1999),
    "MUG-002": ("Incident mug", 899),
    "BOOK-003": ("Postmortems in practice", 2499),
    "STICKER-004": ("Sentry sticker pack", 199),
    "HOODIE-005": ("On-call hoodie", 4999),
}
COUPONS: dict[str, int] = {"WELCOME10": 10}  # code -> percent off (new_checkout only)
SEARCH_PAGE_SIZE = 3

#: Distributions whose versions /__manifest reports (all are Flask/SDK deps).
MANIFEST_PACKAGES = ("flask", "werkzeug", "jinja2", "itsdangerous", "sentry-sdk")
#: Environment variables whose values /__manifest reports as sha256 hex.
MANIFEST_ENV_VARS = ("SHOP_CURRENCY", "SHOP_TAX_RATE", "SHOP_PAYMENT_GATEWAY", "TZ")

#: The API and storage schema this build expects; its hash is the manifest's
#: ``schema_fingerprint``, so two instances with different schemas differ there.
SCHEMA: dict[str, Any] = {
    "endpoints": {
        "POST /api/checkout": {
            "customer": {"name": "str", "email": "str", "phone": "str", "address": "str"},
            "card": {"number": "str", "expiry": "MM/YY", "cvc": "str"},
            "items": [{"sku": "str", "qty": "int"}],
            "coupon": "str?",
        },
        "GET /api/profile/<user_id>": {},
        "POST /api/profile": {
            "user_id": "str?", "name": "str", "email": "str", "phone": "str?",
            "birthday": "YYYY-MM-DD?",
        },
        "GET /api/search": {"q": "str", "page": "int?"},
        "GET /health": {},
        "GET /__manifest": {},
    },
    "tables": {
        "profiles": ["user_id", "name", "email", "phone", "birthday", "adult_since"],
        "catalog": ["sku", "title", "price_cents"],
    },
}
SCHEMA_FINGERPRINT = hashlib.sha256(
    json.dumps(SCHEMA, sort_keys=True, separators=(",", ":")).encode("utf-8")
).hexdigest()

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"\+?[0-9 ()-]{6,20}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
EXPIRY_RE = re.compile(r"(0[1-9]|1[0-2])/\d{2}")
CVC_RE = re.compile(r"\d{3,4}")
USER_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ShopServiceError(RuntimeError):
    """Raised by the ``different-error`` variant instead of the original bug.

    Models a QA build whose service layer wraps failures, so a replay there
    fails with a different exception type than production did.
    """


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _json_object() -> dict[str, Any]:
    """The request's JSON object body, or 400 (handled, not a bug)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("a JSON object body is required")
    return body


def _section(body: Mapping[str, Any], key: str, fields: Iterable[str]) -> dict[str, str]:
    """``body[key]`` as an object whose ``fields`` are non-empty strings, or 400."""
    section = body.get(key)
    if not isinstance(section, dict):
        raise BadRequest(f"'{key}' must be an object")
    for name in fields:
        value = section.get(name)
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"'{key}.{name}' must be a non-empty string")
    return section


def _match(pattern: re.Pattern[str], value: str, what: str) -> None:
    if not pattern.fullmatch(value):
        raise BadRequest(f"'{what}' is malformed")


def _price_lines(items: Any) -> list[tuple[str, int, int]]:
    """Validate cart items into (sku, qty, unit price); bad carts are 4xx."""
    if not isinstance(items, list) or not items:
        raise BadRequest("'items' must be a non-empty list")
    lines = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("each item must be an object")
        sku, qty = item.get("sku"), item.get("qty")
        if sku not in CATALOG:
            raise UnprocessableEntity(f"unknown sku {sku!r}")
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= 99:
            raise UnprocessableEntity(f"invalid qty for {sku}")
        lines.append((sku, qty, CATALOG[sku][1]))
    return lines


def create_app(
    *,
    release: str = DEFAULT_RELEASE,
    flags: Optional[Mapping[str, bool]] = None,
    fixed: Iterable[str] = (),
    request_log: Optional[Union[str, os.PathLike[str]]] = None,
    variant: Optional[str] = None,
    environment: str = "production",
) -> Flask:
    """Build one shop instance.

    ``flags`` override :data:`DEFAULT_FLAGS`; ``fixed`` names bugs from
    :data:`bugs.BUGS` that this build has fixed; ``request_log`` is a JSONL
    file to which every request is appended *before* it is handled (so tests
    can prove what arrived, even when handling crashes); ``variant`` is
    ``None`` or ``"different-error"``.  Sentry is not initialised here: the
    caller does it with :func:`init_sentry`, like a real deployment would.
    """
    fixed_set = frozenset(fixed)
    unknown = fixed_set - bugs.BUGS.keys()
    if unknown:
        raise ValueError(f"unknown bug(s) in fixed: {sorted(unknown)}; known: {sorted(bugs.BUGS)}")
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {VARIANTS}")
    effective_flags = {**DEFAULT_FLAGS, **(flags or {})}
    currency = os.environ.get("SHOP_CURRENCY", "EUR")
    try:
        tax_rate = Decimal(os.environ.get("SHOP_TAX_RATE", "0.20"))
    except InvalidOperation as exc:
        raise ValueError("SHOP_TAX_RATE must be a decimal number") from exc
    env_hashes = {
        name: (_sha256(os.environ[name]) if name in os.environ else None)
        for name in MANIFEST_ENV_VARS
    }
    profiles: dict[str, dict[str, Any]] = {
        "u-1001": {"user_id": "u-1001", "name": "Ada Lovelace", "email": "ada@example.com",
                   "phone": "+44 20 7946 0000", "birthday": "1985-12-10",
                   "adult_since": "2003-12-10"},
    }
    search_cache: dict[str, list[dict[str, Any]]] = {}
    lock = threading.Lock()

    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    def is_fixed(name: str) -> bool:
        return name in fixed_set

    def service(view: Callable[..., Any]) -> Callable[..., Any]:
        """In the different-error variant, re-raise bugs as ShopServiceError."""
        if variant != "different-error":
            return view

        @functools.wraps(view)
        def service_boundary(*args: Any, **kwargs: Any) -> Any:
            try:
                return view(*args, **kwargs)
            except HTTPException:
                raise
            except Exception as exc:  # the point: hide the original type
                raise ShopServiceError(f"{type(exc).__name__}: {exc}") from None

        return service_boundary

    @app.before_request
    def log_request() -> None:
        """Append the raw request to ``request_log`` before anything handles it."""
        if request_log is None:
            return
        record = {
            "ts": time.time(),
            "method": request.method,
            "path": request.path,
            "query_string": request.query_string.decode("latin-1"),
            "headers": dict(request.headers),
            "cookies": request.cookies.to_dict(),
            "body": request.get_data(as_text=True),  # cached: views and sentry reread it
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with lock, open(request_log, "a", encoding="utf-8") as fh:
            fh.write(line)

    @app.before_request
    def report_flags() -> None:
        """Evaluated feature flags go on the Sentry event (``contexts.flags``), as real apps do."""
        for name, value in effective_flags.items():
            sentry_sdk.feature_flags.add_feature_flag(name, bool(value))

    @app.before_request
    def identify_user() -> None:
        """Put user id / e-mail from the request on the Sentry scope (no-op without Sentry)."""
        body = request.get_json(silent=True) if request.is_json else None
        body = body if isinstance(body, dict) else {}
        customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
        user_id = (request.headers.get("X-User-Id") or (request.view_args or {}).get("user_id")
                   or body.get("user_id"))
        email = body.get("email") or customer.get("email")
        user = {k: v for k, v in (("id", user_id), ("email", email)) if isinstance(v, str)}
        if user:
            sentry_sdk.set_user(user)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        return jsonify(error=exc.name, message=exc.description), exc.code or 500

    @app.errorhandler(500)
    def server_error(exc: HTTPException) -> tuple[Response, int]:
        """Unhandled exception -> 500.  Exposes the exception type and the raising
        function (a real shop would not) so replays can compare failures even
        without a Sentry server; ``event_id`` links to the Sentry event if any."""
        original = getattr(exc, "original_exception", None)
        if original is None:
            return http_error(exc)
        frames = traceback.extract_tb(original.__traceback__)
        return jsonify(
            error="internal_server_error",
            exception=type(original).__name__,
            function=frames[-1].name if frames else None,
            message=str(original),
            event_id=sentry_sdk.last_event_id(),
        ), 500

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok", release=release)

    @app.get("/__manifest")
    def manifest() -> Response:
        """Environment-parity manifest; contract documented in README.md."""
        packages: dict[str, Optional[str]] = {}
        for dist in MANIFEST_PACKAGES:
            try:
                packages[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                packages[dist] = None
        return jsonify(
            manifest_version=1,
            service="shop",
            release=release,
            environment=environment,
            packages=packages,
            flags=effective_flags,
            env=env_hashes,
            schema_fingerprint=SCHEMA_FINGERPRINT,
            build={"fixed": sorted(fixed_set), "variant": variant},
        )

    @app.post("/api/checkout")
    @service
    def checkout() -> Response:
        """Validate, price and 'charge' an order; returns the invoice."""
        order = _json_object()
        customer = _section(order, "customer", ("name", "email", "phone", "address"))
        card = _section(order, "card", ("number", "expiry", "cvc"))
        _match(EMAIL_RE, customer["email"], "customer.email")
        _match(PHONE_RE, customer["phone"], "customer.phone")
        _match(EXPIRY_RE, card["expiry"], "card.expiry")
        _match(CVC_RE, card["cvc"], "card.cvc")
        if not re.fullmatch(r"[0-9 -]+", card["number"]):
            raise BadRequest("'card.number' is malformed")
        digits = re.sub(r"\D", "", card["number"])
        if len(digits) not in (15, 16):
            raise UnprocessableEntity("unsupported card number length")

        lines = _price_lines(bugs.order_items(order, fixed=is_fixed("missing_items")))
        masked = bugs.format_card_number(digits, fixed=is_fixed("amex_card"))
        if not _luhn_ok(digits):
            raise UnprocessableEntity("card declined: invalid card number")
        subtotal = sum(qty * price for _, qty, price in lines)
        coupon = order.get("coupon")
        discount = 0
        if coupon is not None and effective_flags.get("new_checkout"):
            if coupon not in COUPONS:
                raise UnprocessableEntity(f"unknown coupon {coupon!r}")
            discount = subtotal * COUPONS[coupon] // 100
        tax = int((Decimal(subtotal - discount) * tax_rate).quantize(Decimal(1)))
        total = subtotal - discount + tax
        invoice = bugs.render_invoice(customer, lines, total, currency,
                                      fixed=is_fixed("non_ascii_name"))
        result: dict[str, Any] = {
            "order_id": "o-" + _sha256(json.dumps(order, sort_keys=True))[:12],
            "total_cents": total,
            "currency": currency,
            "card": masked,
            "invoice": invoice,
        }
        if effective_flags.get("loyalty_points"):
            result["loyalty_points"] = total // 100
        return jsonify(result)

    @app.get("/api/profile/<user_id>")
    @service
    def get_profile(user_id: str) -> Response:
        with lock:
            profile = profiles.get(user_id)
        if profile is None:
            raise NotFound(f"no profile {user_id!r}")
        return jsonify(profile)

    @app.post("/api/profile")
    @service
    def update_profile() -> Response:
        """Create or update a profile (name, email, phone, birthday)."""
        body = _json_object()
        for name in ("name", "email"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                raise BadRequest(f"'{name}' must be a non-empty string")
        _match(EMAIL_RE, body["email"], "email")
        phone, birthday_text = body.get("phone"), body.get("birthday")
        if phone is not None:
            _match(PHONE_RE, phone if isinstance(phone, str) else "", "phone")
        birthday = None
        if birthday_text is not None:
            _match(DATE_RE, birthday_text if isinstance(birthday_text, str) else "", "birthday")
            try:
                birthday = date.fromisoformat(birthday_text)
            except ValueError:
                raise BadRequest("'birthday' is not a valid date") from None
            if not 1900 <= birthday.year <= 2100:
                raise BadRequest("'birthday' is out of range")
        user_id = body.get("user_id")
        if user_id is not None:
            _match(USER_ID_RE, user_id if isinstance(user_id, str) else "", "user_id")

        email = bugs.validate_mailbox(body["email"], fixed=is_fixed("plus_email"))
        crm_name = bugs.crm_name(body["name"], fixed=is_fixed("long_name"))
        adult = bugs.adult_since(birthday, fixed=is_fixed("leap_birthday")) if birthday else None
        profile = {
            "user_id": user_id or "u-" + _sha256(email)[:8],
            "name": body["name"],
            "crm_name": crm_name,
            "email": email,
            "phone": phone,
            "birthday": birthday_text,
            "adult_since": adult.isoformat() if adult else None,
        }
        with lock:
            profiles[profile["user_id"]] = profile
        return jsonify(profile)

    @app.get("/api/search")
    @service
    def search() -> Response:
        """Case-insensitive product search, paginated, with a result cache."""
        query = request.args.get("q", "")
        if not query.strip():
            raise BadRequest("'q' is required")
        try:
            page = int(request.args.get("page", "1"))
        except ValueError:
            raise BadRequest("'page' must be an integer") from None
        if page < 1:
            raise BadRequest("'page' must be >= 1")
        key = bugs.pack_search_key(query, fixed=is_fixed("long_query"))
        with lock:
            hits = search_cache.get(key)
        if hits is None:
            needle = query.strip().casefold()
            hits = [{"sku": sku, "title": title, "price_cents": price}
                    for sku, (title, price) in CATALOG.items()
                    if needle in title.casefold() or needle in sku.casefold()]
            with lock:
                search_cache[key] = hits
        start = (page - 1) * SEARCH_PAGE_SIZE
        return jsonify(query=query, page=page, total=len(hits),
                       results=hits[start:start + SEARCH_PAGE_SIZE])

    return app


# --------------------------------------------------------------------------
# Sentry instrumentation (done by the caller, as in a real deployment)
# --------------------------------------------------------------------------


class MemoryTransport(Transport):
    """sentry-sdk transport that keeps envelopes in memory (no network).

    Passing an *instance* to ``sentry_sdk.init(transport=...)`` is the
    supported 2.x way (function transports are deprecated).  Capture is
    synchronous, so the event is here by the time the 500 response is sent.
    """

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []
        self._lock = threading.Lock()

    def capture_envelope(self, envelope: Envelope) -> None:
        with self._lock:
            self.envelopes.append(envelope)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Error events (not transactions) captured so far, oldest first."""
        with self._lock:
            found = [e.get_event() for e in self.envelopes]
        return [e for e in found if e is not None]


class CallbackTransport(Transport):
    """Calls ``func(event)`` for every error event, without sentry's deprecation warning."""

    def __init__(self, func: Callable[[dict[str, Any]], Any]) -> None:
        super().__init__()
        self._func = func

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            self._func(event)


def init_sentry(
    *,
    dsn: Optional[str] = None,
    transport: Union[Transport, Callable[[dict[str, Any]], Any], None] = None,
    release: str = DEFAULT_RELEASE,
    environment: str = "production",
    traces_sample_rate: float = 0.0,
) -> Optional[Transport]:
    """Initialise sentry-sdk the way the shop's production deployment does.

    ``send_default_pii`` and ``max_request_body_size="always"`` make the
    event carry the full request (headers, cookies, JSON body in
    ``request.data``, user) -- exactly the personal data incident-replay must
    strip before replaying.  (The SDK still replaces values of sensitive-looking
    keys -- cookies/headers named like session, auth, token... -- with
    "[Filtered]".)  ``transport`` may be a Transport instance or a
    plain callable receiving each event dict (wrapped in CallbackTransport).
    Returns the transport in use.  Process-global, like sentry_sdk.init.
    """
    if transport is not None and not isinstance(transport, (Transport, type)):
        transport = CallbackTransport(transport)
    with warnings.catch_warnings():
        # sentry-sdk >= 2.7x deprecates send_default_pii in favour of
        # data_collection; it still works and is what deployments use today.
        warnings.filterwarnings("ignore", "The send_default_pii option", DeprecationWarning)
        sentry_sdk.init(
            dsn=dsn,
            transport=transport,
            release=release,
            environment=environment,
            send_default_pii=True,
            max_request_body_size="always",
            integrations=[FlaskIntegration()],
            traces_sample_rate=traces_sample_rate,
        )
    return sentry_sdk.get_client().transport


# --------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------


def serve_in_thread(
    app: Flask, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` with werkzeug's threaded server on a background thread.

    Returns ``(base_url, shutdown)``; the socket is bound before returning
    (port 0 picks a free port), and ``shutdown()`` stops and closes it.
    """
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="shop-server", daemon=True)
    thread.start()

    def shutdown() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{server.server_port}", shutdown
