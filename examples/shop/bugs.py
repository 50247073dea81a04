"""Planted bugs of the example shop, plus a catalogue describing them.

Why this module exists: incident-replay must prove that a request captured in
production still reproduces its crash after personal data has been replaced by
format-preserving fakes.  So every bug here is triggered *only* by a property
that such an anonymizer keeps (script of a name, ``+`` in an e-mail, card
length, a missing key, query length, Feb 29 as a date), and each one raises a
named exception from its own function, deterministically (no clock, no
randomness).  Each function takes ``fixed``; the fixed path is what a QA build
with the fix would do, so a replay can also show "no longer reproduces".

The functions raise only the planted exception (or, on the fixed path,
werkzeug HTTP errors for input that is then handled as a 4xx).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Sequence

from werkzeug.exceptions import BadRequest

#: Receipt formatter's assumption: every card number has 16 digits.
CARD_LENGTH = 16
#: Width of a search-cache key in the legacy search cache.
SEARCH_KEY_WIDTH = 64
#: Width of the name column of the legacy CRM that profiles are copied to.
CRM_NAME_WIDTH = 24


def render_invoice(
    customer: Mapping[str, str],
    lines: Sequence[tuple[str, int, int]],
    total_cents: int,
    currency: str,
    *,
    fixed: bool = False,
) -> str:
    """Render the plain-text invoice returned by checkout.

    Bug ``non_ascii_name``: the customer name goes into the document title of
    a legacy ASCII-only PDF writer, so ``name.encode("ascii")`` raises
    UnicodeEncodeError for "Zoë".  (The address is rendered as Unicode and is
    harmless, so the trigger is the name alone.)
    """
    title = customer["name"].encode("utf-8" if fixed else "ascii").decode("utf-8")
    body = [f"INVOICE for {title}", customer["address"]]
    body += [f"{qty} x {sku} @ {price / 100:.2f}" for sku, qty, price in lines]
    body.append(f"TOTAL {total_cents / 100:.2f} {currency}")
    return "\n".join(body)


def validate_mailbox(email: str, *, fixed: bool = False) -> str:
    """Normalise an (already syntax-checked) e-mail before storing a profile.

    Bug ``plus_email``: ported from a mail system without sub-addressing, it
    rejects ``a+tag@x.com`` with ValueError, which the profile endpoint does
    not catch.
    """
    local, _, domain = email.rpartition("@")
    if "+" in local and not fixed:
        raise ValueError("sub-addressing ('+' in the mailbox name) is not supported")
    return f"{local}@{domain.lower()}"


def format_card_number(number: str, *, fixed: bool = False) -> str:
    """Mask a card number for the receipt as ``**** **** **** 1111``.

    Bug ``amex_card``: written when only 16-digit cards existed, it walks 16
    positions, so a 15-digit (Amex) number raises IndexError.  It runs before
    the Luhn check, so the trigger is the length alone.
    """
    digits = [c for c in number if c.isdigit()]
    if fixed:
        groups = (4, 6, 5) if len(digits) == 15 else (4,) * (len(digits) // 4)
        masked = ["*"] * (len(digits) - 4) + digits[-4:]
        out, start = [], 0
        for size in groups:
            out.append("".join(masked[start : start + size]))
            start += size
        return " ".join(out)
    chars: list[str] = []
    for i in range(CARD_LENGTH):
        if i and i % 4 == 0:
            chars.append(" ")
        chars.append(digits[i] if i >= CARD_LENGTH - 4 else "*")
    return "".join(chars)


def order_items(order: Mapping[str, Any], *, fixed: bool = False) -> Any:
    """Return the raw ``items`` list of a checkout body.

    Bug ``missing_items``: assumes every client sends ``items`` (the mobile
    client omits it for an empty cart), so ``order["items"]`` raises KeyError.
    """
    if fixed and "items" not in order:
        raise BadRequest("'items' is required")
    return order["items"]


def pack_search_key(query: str, *, fixed: bool = False) -> str:
    """Build the key of the search-result cache.

    Bug ``long_query``: keys live in fixed 64-character slots; a longer query
    raises OverflowError instead of being hashed.
    """
    if fixed:
        return hashlib.sha256(query.encode("utf-8")).hexdigest()
    if len(query) > SEARCH_KEY_WIDTH:
        raise OverflowError(f"search key of {len(query)} chars exceeds {SEARCH_KEY_WIDTH}")
    return query.ljust(SEARCH_KEY_WIDTH)


def crm_name(name: str, *, fixed: bool = False) -> str:
    """The name as the legacy CRM stores it, in a column of ``CRM_NAME_WIDTH`` characters.

    Bug ``long_name``: the copy to the CRM raises OverflowError for a longer name
    (the fix shortens it, as the CRM's own screens do).
    """
    if len(name) > CRM_NAME_WIDTH:
        if not fixed:
            raise OverflowError(f"name of {len(name)} chars exceeds the CRM column of {CRM_NAME_WIDTH}")
        return name[: CRM_NAME_WIDTH - 1] + "…"
    return name


def adult_since(birthday: date, *, fixed: bool = False) -> date:
    """Date on which the customer turns 18 (gates age-restricted products).

    Bug ``leap_birthday``: ``birthday.replace(year=year + 18)`` raises
    ValueError for Feb 29, because year + 18 is never a leap year when year
    is.  Deterministic: it does not depend on today's date.
    """
    if fixed and (birthday.month, birthday.day) == (2, 29):
        return date(birthday.year + 18, 3, 1)
    return birthday.replace(year=birthday.year + 18)


# --------------------------------------------------------------------------
# Catalogue and example requests (used by the tests and the demo)
# --------------------------------------------------------------------------


def ordinary_checkout() -> dict[str, Any]:
    """A checkout body that succeeds (ASCII name, plain e-mail, Luhn-valid Visa)."""
    return {
        "customer": {
            "name": "Jane Doe",
            "email": "jane.doe@example.com",
            "phone": "+1 555 0100",
            "address": "1 Main Street, Springfield",
        },
        "card": {"number": "4111 1111 1111 1111", "expiry": "12/30", "cvc": "123"},
        "items": [{"sku": "MUG-002", "qty": 2}, {"sku": "BOOK-003", "qty": 1}],
    }


def ordinary_profile() -> dict[str, Any]:
    """A profile update that succeeds (plain e-mail, non-leap birthday)."""
    return {
        "user_id": "u-2002",
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "phone": "+1 555 0100",
        "birthday": "1990-05-17",
    }


_DELETE = object()


def _checkout_with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = ordinary_checkout()
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@dataclass(frozen=True)
class Bug:
    """One planted bug: where it lives, what triggers it, what it raises."""

    name: str
    endpoint: str
    function: str
    exception: str
    trigger: str
    #: Request that triggers it: {"method", "path", and "json" or "query"}.
    example: dict[str, Any] = field(hash=False, compare=False)
    #: HTTP status the example gets when the bug is listed in ``fixed``.
    fixed_status: int = 200


BUGS: dict[str, Bug] = {
    b.name: b
    for b in (
        Bug(
            "non_ascii_name", "POST /api/checkout", "render_invoice", "UnicodeEncodeError",
            "customer.name contains a non-ASCII character",
            {"method": "POST", "path": "/api/checkout",
             "json": _checkout_with(("customer", "name"), "Zoë Ångström")},
        ),
        Bug(
            "plus_email", "POST /api/profile", "validate_mailbox", "ValueError",
            "email local part contains '+' (sub-addressing)",
            {"method": "POST", "path": "/api/profile",
             "json": {**ordinary_profile(), "email": "jane.doe+shop@example.com"}},
        ),
        Bug(
            "amex_card", "POST /api/checkout", "format_card_number", "IndexError",
            "card.number has 15 digits",
            {"method": "POST", "path": "/api/checkout",
             "json": _checkout_with(("card", "number"), "3782 822463 10005")},
        ),
        Bug(
            "missing_items", "POST /api/checkout", "order_items", "KeyError",
            "checkout body has no 'items' key",
            {"method": "POST", "path": "/api/checkout",
             "json": _checkout_with(("items",), _DELETE)},
            fixed_status=400,
        ),
        Bug(
            "long_query", "GET /api/search", "pack_search_key", "OverflowError",
            "q is longer than 64 characters",
            {"method": "GET", "path": "/api/search",
             "query": {"q": "jane.doe@example.com " * 4, "page": "1"}},
        ),
        Bug(
            "long_name", "POST /api/profile", "crm_name", "OverflowError",
            "name is longer than 24 characters",
            {"method": "POST", "path": "/api/profile",
             "json": {**ordinary_profile(), "name": "Bartholomew Featherstonehaugh"}},
        ),
        Bug(
            "leap_birthday", "POST /api/profile", "adult_since", "ValueError",
            "birthday is Feb 29 (of a leap year)",
            {"method": "POST", "path": "/api/profile",
             "json": {**ordinary_profile(), "birthday": "2004-02-29"}},
        ),
    )
}
