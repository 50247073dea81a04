"""Fetch an issue's events from Sentry's web API, for ``replay sentry ISSUE``.

Why a small client of our own: the on-call command needs four read-only endpoints, errors that
say what to fix (which env var, which scope, which organization) without ever echoing a response
body (it may hold the personal data this project exists to scrub) or the token, and polite
rate-limit handling. Events stay in memory: nothing here writes them to disk or logs them.
"""

from __future__ import annotations

import email.utils
import math
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson

from connectors.errors import ConnectorError, InputError
from connectors.schema import normalize_event

__all__ = [
    "DEFAULT_URL", "EVENT_CHOICES", "ORG_ENV", "TOKEN_ENV", "URL_ENV",
    "IssueRef", "SentryClient", "parse_issue_ref", "parse_link_header",
    "SentryAPIError", "SentryAuthError", "SentryConfigError", "SentryConnectionError",
    "SentryNotFoundError", "SentryOrgNotFoundError", "SentryPermissionError",
    "SentryRateLimitError", "SentryServerError", "SentryTimeoutError",
]

DEFAULT_URL = "https://sentry.io"
TOKEN_ENV, URL_ENV, ORG_ENV = "SENTRY_AUTH_TOKEN", "SENTRY_URL", "SENTRY_ORG"
_TOKEN = re.compile(r"[\x21-\x7e]+")  # what an Authorization header can carry as one token
#: Named event selections; anything else must be a 32-hex event id (or ``all``, see select_events).
EVENT_CHOICES = ("latest", "oldest", "recommended")

_NUMERIC = re.compile(r"[0-9]{1,20}")
_SHORT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}-[A-Za-z0-9]{1,20}")
_EVENT_ID = re.compile(r"[0-9a-fA-F]{32}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_HOST = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}|[0-9a-f:.]{2,45}")  # DNS name, IPv4 or IPv6
_SAAS = "sentry.io"
_REGIONS = {"us", "de"}  # region API hosts (us.sentry.io), not organizations
_FORMS = ("expected an issue id (12345), a short id (SHOP-1A2) or an issue URL such as "
          "https://acme.sentry.io/issues/12345/ or https://sentry.example.com/organizations/acme/"
          "issues/12345/")
_RETRY_STATUSES = {429, 502, 503, 504}


class SentryAPIError(ConnectorError):
    """Sentry's API could not give us what we asked for. ``status`` is the HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SentryConfigError(SentryAPIError):
    """The settings (URL, organization) are missing or unusable; nothing was sent."""


class SentryAuthError(SentryAPIError):
    """No token, or Sentry rejected it (401)."""


class SentryPermissionError(SentryAPIError):
    """The token is valid but may not read this (403): usually a missing ``event:read`` scope."""


class SentryNotFoundError(SentryAPIError):
    """The issue, event or short id does not exist in the organization (404)."""


class SentryOrgNotFoundError(SentryNotFoundError):
    """The organization itself does not exist on this Sentry (404 on the organization)."""


class SentryRateLimitError(SentryAPIError):
    """Still rate-limited (429) after the allowed retries, or asked to wait too long."""


class SentryServerError(SentryAPIError):
    """Sentry failed (5xx)."""


class SentryConnectionError(SentryAPIError):
    """Sentry could not be reached (DNS, refused connection, TLS, broken connection)."""


class SentryTimeoutError(SentryConnectionError):
    """Sentry did not answer in time."""


@dataclass(frozen=True, slots=True)
class IssueRef:
    """Where an issue lives: API base URL, organization, issue id or short id, maybe an event."""

    base_url: str
    org: str
    issue: str
    event_id: str | None = None


def parse_issue_ref(text: str, *, default_url: str = DEFAULT_URL,
                    default_org: str | None = None) -> IssueRef:
    """Read what an on-call engineer pastes: an id, a short id or a Sentry issue URL.

    Bare ids use ``default_url``/``default_org`` (normally SENTRY_URL/SENTRY_ORG). Raises only
    :class:`InputError`, whose message says which forms are accepted.
    """
    if not isinstance(text, str):
        raise InputError("issue reference must be text")
    ref = text.strip()
    if ref.startswith("<") and ref.endswith(">"):  # chat tools send links as <url> or <url|label>
        ref = ref[1:-1].split("|", 1)[0].strip()
    if not ref:
        raise InputError(f"empty issue reference: {_FORMS}")
    if "://" not in ref:
        issue = _issue_id(ref)
        return IssueRef(default_url.rstrip("/") or DEFAULT_URL,
                        _need_org(default_org, f"issue {issue}"), issue)
    return _parse_url(ref, default_org)


def _parse_url(ref: str, default_org: str | None) -> IssueRef:
    try:
        parts = urlsplit(ref)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise InputError(f"not a valid URL: {_FORMS}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not _HOST.fullmatch(host):
        raise InputError(f"issue URL must start with http:// or https:// and name a host: {_FORMS}")
    if parts.username is not None or parts.password is not None:
        raise InputError("issue URL must not contain a user name or password")
    segs = [s for s in parts.path.split("/") if s]
    if "issues" not in segs:
        raise InputError(f"URL does not point at an issue: {_FORMS}")
    i = segs.index("issues")
    if i + 1 >= len(segs):
        raise InputError(f"URL has no issue id after /issues/: {_FORMS}")
    issue = _issue_id(segs[i + 1])
    event_id = None
    if segs[i + 2:i + 3] == ["events"] and len(segs) > i + 3:
        event_id = _event_choice(segs[i + 3])
    prefix, path_org = segs[:i], None
    if len(prefix) >= 2 and prefix[-2] == "organizations":
        path_org, prefix = prefix[-1], prefix[:-2]
    elif prefix:
        raise InputError(f"unrecognised issue URL path: {_FORMS}")
    base, host_org = _base_for_host(scheme, host, port, prefix)
    if path_org and host_org and path_org.lower() != host_org.lower():
        raise InputError("issue URL names two different organizations (subdomain and path)")
    org = path_org or host_org or _need_org(default_org, "this issue URL")
    if not _SLUG.fullmatch(org):
        raise InputError("issue URL has an invalid organization slug")
    return IssueRef(base, org, issue, event_id)


def _base_for_host(scheme: str, host: str, port: int | None,
                   prefix: list[str]) -> tuple[str, str | None]:
    """API base URL for a UI host, and the organization a sentry.io subdomain names."""
    if host == _SAAS or host.endswith("." + _SAAS):
        if prefix:
            raise InputError(f"unrecognised sentry.io issue URL path: {_FORMS}")
        sub = host[: -len(_SAAS)].rstrip(".")
        if sub in ("", "www"):
            return DEFAULT_URL, None
        if sub in _REGIONS:
            return f"https://{sub}.{_SAAS}", None
        if "." in sub or not _SLUG.fullmatch(sub):
            raise InputError("this sentry.io host is not an issue page (a DSN or ingest host?)")
        return DEFAULT_URL, sub  # acme.sentry.io is a customer domain; sentry.io serves its API
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = "".join("/" + quote(p, safe="") for p in prefix)  # self-hosted under a sub-path
    return f"{scheme}://{netloc}{path}", None


def _need_org(org: str | None, what: str) -> str:
    if not org:
        raise InputError(f"no organization for {what}: set {ORG_ENV} or paste the issue URL")
    if not _SLUG.fullmatch(org):
        raise InputError(f"{ORG_ENV} is not a valid organization slug")
    return org


def _issue_id(text: str) -> str:
    if _NUMERIC.fullmatch(text):
        return text
    if _UUID.fullmatch(text) or _EVENT_ID.fullmatch(text):
        raise InputError("that looks like an event id, not an issue: pass the issue id or its URL")
    if _SHORT_ID.fullmatch(text):
        return text.upper()
    raise InputError(f"not an issue reference {text[:80]!r}: {_FORMS}")


def _event_choice(text: str) -> str:
    """``latest``/``oldest``/``recommended`` or a 32-hex event id (dashes allowed, dropped)."""
    if text.lower() in EVENT_CHOICES:
        return text.lower()
    compact = text.replace("-", "") if _UUID.fullmatch(text) else text
    if _EVENT_ID.fullmatch(compact):
        return compact.lower()
    raise InputError(f"not an event id {text[:80]!r}: expected latest, oldest, recommended "
                     "or a 32-character hex event id")


def parse_link_header(value: str | None) -> dict[str, dict[str, str]]:
    """Parse Sentry's ``Link`` header into ``{rel: {"url", "results", "cursor", ...}}``."""
    links: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"<([^<>]*)>([^<]*)", value or ""):
        params = dict(re.findall(r';\s*([A-Za-z_]+)\s*=\s*"?([^";,]*)"?', match.group(2)))
        if "rel" in params:
            links[params["rel"]] = {"url": match.group(1), **params}
    return links


def _next_cursor(link: str | None) -> str | None:
    nxt = parse_link_header(link).get("next")
    if not nxt or nxt.get("results", "true").lower() != "true":
        return None
    return nxt.get("cursor") or None


class SentryClient:
    """Read-only client for one organization; use as a context manager to close connections.

    ``sleep`` and ``clock`` are injectable so rate-limit waits can be tested without waiting.
    """

    def __init__(self, base_url: str = DEFAULT_URL, *, token: str | None, org: str | None,
                 timeout: float = 30.0, max_retries: int = 3,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time,
                 backoff: float = 1.0, max_delay: float = 60.0) -> None:
        token = (token or "").strip()  # a pasted token or $(cat file) often ends in a newline
        if not token:
            raise SentryAuthError(f"no Sentry auth token: set {TOKEN_ENV} to a token with the "
                                  "event:read scope")
        if not _TOKEN.fullmatch(token):  # never quoted: it is a credential
            raise SentryAuthError(f"the Sentry auth token holds spaces or characters other than printable "
                                  f"ASCII: check {TOKEN_ENV}")
        if not org:
            raise SentryConfigError(f"no Sentry organization: set {ORG_ENV} or pass an issue URL")
        if not _SLUG.fullmatch(org):
            raise SentryConfigError("the Sentry organization is not a valid slug")
        self.base_url, self.org = _check_base_url(base_url), org
        self.timeout, self.max_retries = timeout, max(0, max_retries)
        self.backoff, self.max_delay = backoff, max_delay
        self._sleep, self._clock = sleep, clock
        self._not_before = 0.0
        self._http = httpx.Client(
            base_url=self.base_url, transport=transport, timeout=timeout,
            follow_redirects=False,  # a redirect to another host would drop or leak the token
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                     "User-Agent": "incident-replay"},
        )

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None,
                 **overrides: Any) -> SentryClient:
        """Build from SENTRY_AUTH_TOKEN, SENTRY_URL and SENTRY_ORG; ``None`` overrides are ignored.

        A ``base_url`` override (say, from a pasted URL) on another server than SENTRY_URL is
        refused unless a ``token`` is given too: the token must not travel to a host it is not for.
        """
        env = os.environ if environ is None else environ
        configured = env.get(URL_ENV) or DEFAULT_URL
        settings: dict[str, Any] = {"base_url": configured, "token": env.get(TOKEN_ENV),
                                    "org": env.get(ORG_ENV)}
        given = {k: v for k, v in overrides.items() if v is not None}
        if ("base_url" in given and "token" not in given
                and not _same_server(given["base_url"], configured)):
            raise SentryConfigError(
                f"the issue is on {_host(given['base_url'])} but {TOKEN_ENV} is for "
                f"{_host(configured)}: set {URL_ENV} (and a token for that server) to use it")
        return cls(**{**settings, **given})

    def __repr__(self) -> str:
        return f"SentryClient(base_url={self.base_url!r}, org={self.org!r})"

    def __enter__(self) -> SentryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def resolve_issue(self, issue: str | int) -> str:
        """Numeric issue id for ``issue``; short ids (SHOP-1A2) are looked up via ``shortids``."""
        text = str(issue).strip()
        if _NUMERIC.fullmatch(text):
            return text
        short = _issue_id(text)
        doc, _ = self._get(f"{self._org_path}/shortids/{quote(short, safe='')}/", None,
                           what=f"short id {short}")
        group = doc.get("groupId") if isinstance(doc, dict) else None
        if not _NUMERIC.fullmatch(str(group)):
            raise SentryAPIError(f"Sentry's answer for short id {short} has no numeric groupId")
        return str(group)

    def fetch_event(self, issue: str | int, which: str = "latest") -> dict[str, Any]:
        """One event of the issue, raw (API shape, with ``entries``): a named choice or an id."""
        if which == "all":
            raise InputError("'all' selects many events: use iter_events or select_events")
        choice = _event_choice(which)
        issue_id = self.resolve_issue(issue)
        what = (f"{choice} event of issue {issue_id}" if choice in EVENT_CHOICES
                else f"event {choice} of issue {issue_id}")
        doc, _ = self._get(f"{self._org_path}/issues/{issue_id}/events/{choice}/",
                           {"full": "true"}, what=what)
        if not isinstance(doc, dict):
            raise SentryAPIError(f"Sentry's answer for the {what} is not an event object")
        return doc

    def fetch_normalized(self, issue: str | int, which: str = "latest") -> dict[str, Any]:
        """:meth:`fetch_event`, turned into the stored-event schema everything downstream reads."""
        return normalize_event(self.fetch_event(issue, which))

    def iter_events(self, issue: str | int, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The issue's events, newest first, following ``Link`` cursors; at most ``limit``.

        Arguments are checked and the issue resolved now; pages are fetched as you iterate.
        """
        if limit is not None and limit < 1:
            raise InputError("limit must be at least 1")
        issue_id = self.resolve_issue(issue)
        return self._pages(f"{self._org_path}/issues/{issue_id}/events/", issue_id, limit)

    def select_events(self, issue: str | int, which: str = "latest", *,
                      limit: int | None = None) -> Iterator[dict[str, Any]]:
        """What ``--event WHICH --limit N`` asks for: ``all`` pages through, others fetch one."""
        if which == "all":
            return self.iter_events(issue, limit)
        return iter([self.fetch_event(issue, which)])

    @property
    def _org_path(self) -> str:
        return f"/api/0/organizations/{quote(self.org, safe='')}"

    def _pages(self, path: str, issue_id: str, limit: int | None) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        seen: set[str] = set()
        count = 0
        while True:
            params = {"full": "true", **({"cursor": cursor} if cursor else {})}
            page, headers = self._get(path, params, what=f"events of issue {issue_id}")
            if not isinstance(page, list):
                raise SentryAPIError(f"Sentry's answer for the events of issue {issue_id} "
                                     "is not a list")
            for event in page:
                if not isinstance(event, dict):
                    raise SentryAPIError(f"Sentry's events list for issue {issue_id} holds a "
                                         "non-object item")
                yield event
                count += 1
                if limit is not None and count >= limit:
                    return
            cursor = _next_cursor(headers.get("Link"))
            if cursor is None or cursor in seen or not page:
                return
            seen.add(cursor)

    def _get(self, path: str, params: dict[str, str] | None, *,
             what: str) -> tuple[Any, httpx.Headers]:
        response = self._send(path, params)
        if response.status_code != 200:
            raise self._error(response, path, what)
        try:
            return orjson.loads(response.content), response.headers
        except orjson.JSONDecodeError:
            raise SentryAPIError(f"Sentry's answer for the {what} is not JSON",
                                 response.status_code) from None

    def _send(self, path: str, params: dict[str, str] | None) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            wait = self._not_before - self._clock()
            self._not_before = 0.0
            if wait > 0:
                self._sleep(min(wait, self.max_delay))
            try:
                response = self._http.get(path, params=params)
            except httpx.TimeoutException as exc:
                raise SentryTimeoutError(f"Sentry at {self.base_url} did not answer within "
                                         f"{self.timeout:g} s (GET {path})") from exc
            except httpx.ConnectError as exc:
                raise SentryConnectionError(f"could not connect to Sentry at {self.base_url} "
                                            f"({exc}); check {URL_ENV} and the network") from exc
            except httpx.TransportError as exc:
                raise SentryConnectionError(f"the connection to Sentry at {self.base_url} "
                                            f"failed ({type(exc).__name__})") from exc
            if response.status_code not in _RETRY_STATUSES:
                self._note_budget(response.headers)
                return response
            if attempt < self.max_retries:
                self._sleep(self._retry_delay(response, attempt))
        return response

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        """Server's hint (Retry-After, else the rate-limit reset), at least capped backoff."""
        now = self._clock()
        hint = _retry_after(response.headers.get("Retry-After"), now)
        if hint is None:
            reset = _number(response.headers.get("X-Sentry-Rate-Limit-Reset"))
            hint = None if reset is None else reset - now
        if hint is not None and hint > self.max_delay:
            raise SentryRateLimitError(
                f"Sentry asks to wait {hint:.0f} s (HTTP {response.status_code}), longer than "
                f"the {self.max_delay:g} s this client waits; try again later",
                response.status_code)
        backoff = min(self.backoff * 2 ** attempt, self.max_delay)
        return max(hint or 0.0, backoff)

    def _note_budget(self, headers: httpx.Headers) -> None:
        """Budget exhausted (Remaining: 0): hold the next request until the window resets."""
        if _number(headers.get("X-Sentry-Rate-Limit-Remaining")) != 0:
            return
        now = self._clock()
        reset = _number(headers.get("X-Sentry-Rate-Limit-Reset"))
        until = reset if reset is not None and reset > now else now + self.backoff
        self._not_before = min(until, now + self.max_delay)

    def _error(self, response: httpx.Response, path: str, what: str) -> SentryAPIError:
        """A message per status saying what to fix; never the body (it may hold personal data)."""
        status = response.status_code
        if status == 401:
            return SentryAuthError(f"Sentry rejected the auth token (HTTP 401): {TOKEN_ENV} is "
                                   "invalid, expired or revoked", status)
        if status == 403:
            return SentryPermissionError(
                f"Sentry refused to show the {what} (HTTP 403): the token in {TOKEN_ENV} lacks "
                "the event:read scope or has no access to this project", status)
        if status == 404:
            if not self._org_exists():
                return SentryOrgNotFoundError(
                    f"organization {self.org!r} not found on {self.base_url} (HTTP 404): check "
                    f"{ORG_ENV} or the organization in the issue URL", status)
            return SentryNotFoundError(f"{what} not found in organization {self.org!r} on "
                                       f"{self.base_url} (HTTP 404)", status)
        if status == 429:
            return SentryRateLimitError(f"Sentry still rate-limits requests (HTTP 429) after "
                                        f"{self.max_retries} retries; try again later", status)
        if status >= 500:
            return SentryServerError(f"Sentry failed with HTTP {status} for GET {path}; it may "
                                     "be down or overloaded, try again later", status)
        if 300 <= status < 400:
            return SentryAPIError(f"Sentry redirected GET {path} (HTTP {status}) to "
                                  f"{_host(response.headers.get('Location', ''))}: set {URL_ENV} "
                                  "to the API host", status)
        return SentryAPIError(f"Sentry answered HTTP {status} for GET {path}", status)

    def _org_exists(self) -> bool:
        """False only when Sentry says the organization itself is unknown (404)."""
        try:
            return self._send(f"{self._org_path}/", None).status_code != 404
        except SentryAPIError:
            return True


def _check_base_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok or parts.username is not None or parts.password is not None:
        raise SentryConfigError(f"{URL_ENV} must be an http(s) URL such as {DEFAULT_URL}, "
                                "without credentials")
    return url.rstrip("/")


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.rpartition("@")[2] or "an unknown host"
    except ValueError:
        return "an unknown host"


def _same_server(url: str, configured: str) -> bool:
    """Same origin, or both on sentry.io (whose hosts all share one account and token)."""
    try:
        a, b = urlsplit(url), urlsplit(configured)
        ha, hb = (a.hostname or "").lower(), (b.hostname or "").lower()
        if all(h == _SAAS or h.endswith("." + _SAAS) for h in (ha, hb)):
            return a.scheme == b.scheme == "https"
        default = {"http": 80, "https": 443}
        return ((a.scheme, ha, a.port or default.get(a.scheme))
                == (b.scheme, hb, b.port or default.get(b.scheme)))
    except ValueError:
        return False


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _retry_after(text: str | None, now: float) -> float | None:
    """Retry-After in seconds, or as an HTTP date."""
    seconds = _number(text)
    if seconds is not None or not text:
        return seconds
    try:
        return email.utils.parsedate_to_datetime(text).timestamp() - now
    except (TypeError, ValueError, IndexError):
        return None
