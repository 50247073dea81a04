"""The sanitizer: one event in, a sanitized event of the same shape plus a report out.

Three passes over the event dict, each a small function of the policy:
1. *detect and replace*: every string is looked at once, in order of cost: safe paths are
   skipped, key rules take whole values, structured strings (JSON, reprs, URLs, query strings)
   are opened and walked with their own keys, value detectors find spans in the rest;
2. *propagate*: every original found anywhere becomes a known value, replaced wherever else it
   appears in the event (safe paths too), in its other encodings as well (URL-encoded,
   JSON-escaped, lower case);
3. *leak gate*: the output is searched for every known original and re-scanned by the
   detectors (outside safe paths); any hit blocks the event (fail closed), and so does any
   internal error.
"""

from __future__ import annotations

import bisect
import os
import re
import secrets
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sanitizers._cache import remember
from sanitizers._known import escaped, is_allowed, known_values, min_known_length
from sanitizers._screen import Screened
from sanitizers._tree import IDENTIFIER, dotted, outline, rename, spine_copy, top_places
from sanitizers._core import (GateReader, Haystack, KnownValues, Pattern, Prefilter, Rememberer, Walker, holds_word,
                              outline as walk_outline, unquote)
from sanitizers.detectors import (ALWAYS, DETECTOR_FUNCTIONS, SPAN_KINDS, Span, core_replica, detector_bit, gate_reader,
                                  is_loopback, prefilter)
from sanitizers.encodings import (URL_START, parse_call_repr, parse_fields, parse_json, parse_query, parse_repr,
                                  requote, split_url, url_patterns)
from sanitizers.errors import LeakBlocked
from sanitizers.fakes import FakeFactory, is_placeholder
from sanitizers.gazetteer import street_words
from sanitizers.names import _NOT_NAMES
from sanitizers.ner import load_name_model
from sanitizers.policy import ACTIONS, Policy, Rule, default_policy, normalize_key
from sanitizers.selectors import SEP
from sanitizers.params import COLUMN_CUES, breadcrumb_params, column_patterns, column_values, fill_template

__all__ = ["Change", "SanitizeResult", "Sanitizer", "secret_key_from_env"]

KEY_ENV = "REPLAY_SECRET_KEY"
OVERSIZE_PLACEHOLDER = "[redacted: longer than max_string_chars]"
_NAME_ENTITIES = {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "JWT", "API_KEY", "PHONE_NUMBER"}
_WORD_RE = re.compile(r"\w+")
_FAKE_WORDS: dict[str, list[str]] = {}  # see _Run.holds_known
_FIELD_NAME = re.compile(r"['\"]?[\w$@.:/ \[\]-]{1,64}['\"]?")  # user[password]: a form field
# Overlapping spans: secrets first (a JWT holds e-mails), then exact formats; a name and an
# address tie so the longer wins ("126 Pamela Land" is an address, not a Ms Pamela Land).
# The walk's screen names the scan's detectors by bit, in 64 bits (``_scans_by_path``).
_SCREENED_DETECTORS = 64
_PRIORITY = {name: i for i, group in enumerate(
    (("jwt",), ("pem",), ("api_key",), ("url_credentials",), ("secret_assignment",), ("email_address",),
     ("card",), ("iban_code",), ("us_ssn", "national_id"), ("ip_address",), ("phone",), ("mac_address",), ("crypto",),
     ("person", "address", "username", "user_id", "date_of_birth"))) for name in group}
_PROPAGATED = {"EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
               "IP_ADDRESS", "ADDRESS", "USERNAME", "USER_ID", "SECRET", "API_KEY", "JWT", "DATE_OF_BIRTH",
               "COOKIE", "AUTHORIZATION", "PEM_KEY", "MAC_ADDRESS", "CRYPTO"}
# Known values replaced in safe paths too (a visitor's e-mail in a JS frame's page URL or in the
# User-Agent): what no class, module, route or version is named like, unlike a name ("Long" of
# java.lang.Long) or a user id that is a table name (user_settings).
_UNMISTAKABLE = {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "PHONE_NUMBER", "JWT", "API_KEY",
                 "SECRET", "AUTHORIZATION", "COOKIE", "PEM_KEY", "MAC_ADDRESS", "CRYPTO"}
_DIGIT_ENTITIES = {"CREDIT_CARD", "PHONE_NUMBER", "US_SSN", "SECRET", "IBAN_CODE", "USER_ID", "GENERIC"}
_CONTAINER_ENTITIES = {"COOKIE", "SECRET", "AUTHORIZATION"}
_NOT_FAKED = frozenset(ACTIONS) - {"fake"}
_SECTION_KEYS = {"auth", "session", "_session", "user_session"}
# A plain lowercase word in a URL path is a route (`/password/reset`, `/phone/validate`, an export
# `/users/export.csv`, an API version `/account/v2`), not the
# value of the segment before it: no key rule applies to it, or the replay would miss the route.
_ROUTE_WORD = re.compile(r"[a-z]+(?:[-_][a-z]+)*(?:\.(?:csv|json|xml|pdf|txt|html?|zip|xlsx?|png|jpe?g|svg))?|v\d{1,3}")
# A route template's slot names a parameter, it holds none: {user_id} (Sentry transactions,
# OpenAPI), :id (Express, Rails), <int:id> (Flask), [id] (Next.js).
_ROUTE_PARAM = re.compile(r"\{[A-Za-z_][\w.:-]*\}|:[A-Za-z_]\w*|<(?:\w+:)?[A-Za-z_]\w*>|\[{1,2}(?:\.\.\.)?[A-Za-z_]\w*\]{1,2}")
# A URL path segment that is data names no place: what follows one the sanitizer replaced (an
# e-mail address, a user id), a number (`/orders/8123/pay`) or one with a long number in it
# (`/orders/ORD-2024-126481/pay`) is placed at `path`, as in every other event, not at a place of
# its own for every event, which the walk would decide for again and no selector could name.
# Other segments name it (`v2`, `x509`).
_NUMBER = re.compile(r"\d+\Z|.*\d{5}")
_GATE_DETECTORS = ("JWT", "PEM_KEY", "API_KEY", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS")
# One value of every kind a detector or fake builds something for on first use (presidio
# recognizers, phone metadata, name lists): all documentation or test values, nobody's data.
_PROBE = {
    "message": "Jane Doe <jane.doe@example.com>, +1 415 555 0100, card 4111 1111 1111 1111, IBAN "
               "DE89370400440532013000, ssn 219-09-9999 (the SSA's own sample), from 192.0.2.7 and 2001:db8::7, device "
               "00:1A:2B:3C:4D:5E, wallet 1BoatSLRHtKNngkdXEeobR76b53LETtpyT, born 1990-01-01, "
               "lives at 1 Main Street, Springfield, user_id=u_12345, api_key=sk_test_0123456789abcdef, "
               "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.c2lnbmF0dXJl",
    "user": {"email": "jane.doe@example.com", "ip_address": "192.0.2.7", "username": "jdoe", "name": "Jane Doe"},
    "request": {"url": "https://user:hunter2@shop.example.com/u/jane.doe@example.com?phone=%2B14155550100",
                "headers": [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.c2lnbmF0dXJl"],
                            ["Cookie", "sessionid=abcdef0123456789"]],
                "data": {"phone": "+1 415 555 0100", "address": "1 Main Street", "birthdate": "1990-01-01"}},
}
# Caches keyed by text hold short texts only (what recurs: names, routes, templates), so their
# memory stays bounded however long an event's strings are (up to max_string_chars each).
_CACHED_CHARS, _CACHED_TEXTS = 2048, 50_000
_UNDECIDED = object()  # not yet in the key-rule cache (None there means "no rule")
_LOGIN_SHAPED = re.compile(r"[^\W\d_][._-][^\W\d_]|\d")  # jane.doe, j_doe, jdoe84: not a plain word
_BESIDE = "\x1f"  # in a parent's name: the beside-rules its object matched follow (see _decide_kind)
# Threads racing through the first imports of presidio and spaCy can meet half-imported modules.
_FIRST_USE = threading.Lock()


def secret_key_from_env() -> tuple[bytes, bool]:
    """(key, ephemeral): the HMAC key for fakes from ``REPLAY_SECRET_KEY``, else a random one."""
    value = os.environ.get(KEY_ENV)
    if value:
        return value.encode(), False
    return secrets.token_bytes(32), True


class Change(NamedTuple):
    """One replacement, as the report shows it: where, why and how long, never the value.
    A named tuple: results cross process boundaries (``--workers``), and tuples pickle ~10x
    faster than dataclasses."""

    path: str
    rule: str
    entity: str
    action: str
    length: int


@dataclass
class SanitizeResult:
    event: Any
    changes: list[Change]
    filtered: int = 0
    kept: int = 0
    blocked: bool = False
    leaks: list[dict] = field(default_factory=list)
    policy_hash: str = ""


@dataclass
class _Run:
    """State of one event's sanitization."""

    known: dict[str, tuple[str, str]] = field(default_factory=dict)  # original -> (replacement, entity)
    fakes: set[str] = field(default_factory=set)
    kept: set[str] = field(default_factory=set)
    keeps: int = 0  # values kept by a rule, each time: a kept value must be kept (allowed) in every event
    changes: list[Change] = field(default_factory=list)
    filtered: int = 0
    avoid: frozenset[str] = frozenset()  # originals a previous attempt found later than its fakes
    columns: dict[int, tuple[str | None, ...]] = field(default_factory=dict)  # query parameter lists -> columns
    propagated: KnownValues | None = None  # the known originals in the output, once propagation has found them

    def holds_known(self, fake: str) -> bool:
        """Whether a fake contains a word that is an original of this event: found earlier in this
        pass, or anywhere by a previous attempt."""
        if not self.known and not self.avoid:
            return False
        held = holds_word(fake, self.known, self.avoid)  # an ASCII fake's words, read by the core
        if held is not None:
            return held
        words = _FAKE_WORDS.get(fake)
        if words is None:  # a fake is asked about each time it is used, and fakes recur
            words = _WORD_RE.findall(fake)
            if len(fake) <= 256:
                remember(_FAKE_WORDS, fake, words, 8192)
        return not self.known.keys().isdisjoint(words) or not self.avoid.isdisjoint(words)


class Sanitizer:
    """Sanitizes events under one policy and one secret key. Reusable and cheap per event."""

    def __init__(self, policy: Policy | None = None, key: bytes | None = None) -> None:
        self.policy = policy or default_policy()
        if key is None:
            key, self.key_is_ephemeral = secret_key_from_env()
        else:
            self.key_is_ephemeral = False
        self.fakes = FakeFactory(key)
        self._detectors = [(DETECTOR_FUNCTIONS[d], rule, detector_bit(d))
                           for rule in self.policy.rules for d in rule.detectors]
        self._scan_choices: dict[int, list[tuple[Any, Rule]]] = {}  # see _detectors_for
        self._gate_choices: dict[int, list[tuple[str, Any]]] = {}
        self._could_hold = prefilter().could_hold
        patterns = [(Screened(pattern), rule) for rule in self.policy.rules for pattern in rule.compiled_patterns]
        # The patterns of rules limited by `where` run only where they apply, when they come after all
        # the others (the spans keep the policy's order); else every pattern runs on every text.
        placed = next((i for i, (_, rule) in enumerate(patterns) if rule.where != ("**",)), len(patterns))
        if all(rule.where != ("**",) for _, rule in patterns[placed:]):
            self._patterns, self._placed_patterns = patterns[:placed], patterns[placed:]
        else:
            self._patterns, self._placed_patterns = patterns, []
        self._places: dict[int, tuple[tuple, str, tuple]] = {}  # see _at
        self._key_rules = self.policy.key_rules
        self._max_string_chars = self.policy.max_string_chars
        self._beside_rules = self.policy.beside_rules
        self._beside_cache: dict[str, frozenset[str]] = {}  # see _beside_of
        enabled = {d for rule in self.policy.rules for d in rule.detectors}
        self._gate_detectors = [(n, DETECTOR_FUNCTIONS[n], detector_bit(n)) for n in _GATE_DETECTORS if n in enabled]
        self._safe_cache: dict[tuple, bool] = {}
        self._rule_cache: dict[tuple[Any, str, tuple], Rule | None] = {}
        self._gate_clean: dict[str, bool] = {}
        self._gate_reader: GateReader | None = None  # built by warm_up, once presidio is imported
        self._scan_cache: dict[str, tuple[tuple[Span, Rule], ...]] = {}
        self._names = load_name_model(self.policy.ner)  # None unless enabled and loadable (it warned)
        self._rememberer = Rememberer(sorted(_PROPAGATED), sorted(_NOT_NAMES), sorted(street_words()))
        self._walker = Walker(bool(self._beside_rules), _CACHED_CHARS, _CACHED_TEXTS,  # pass 1's walk, in the core
                              self.fakes.maker, self._rememberer, Change, self._max_string_chars, COLUMN_CUES,
                              self._scan_cache)
        start, file_path, query, comma_list = url_patterns()  # what _judge opens, read as it reads it
        self._walker.read_openings([start, file_path, _ROUTE_WORD.pattern, _ROUTE_PARAM.pattern, _NUMBER.pattern, query,
                                    comma_list], column_patterns())
        self._ready = False

    def _scan_screen(self) -> tuple[Prefilter, list[tuple], list[tuple[Pattern, bool]], dict[str, int]] | None:
        """(the prefilter, the scan's detectors, the looser forms of the patterns it runs
        everywhere, each with whether it screens text beyond ASCII too (``Screened.only_ascii``),
        ``_PRIORITY``): what tells the walk, in the core, a plain string ``_scan`` finds nothing
        in, which most new strings are (ids, timestamps, messages naming no one), and what it
        finds in one. Each detector comes with its bit, its replica, its function (which the
        core calls where no replica reads the text), its rule, its spans' entity
        (None where each span names its own) and their ``_PRIORITY``. None where no text can
        be told so: a detector the prefilter never rules out, a pattern without a looser form,
        or more detectors than the core names by bit (see ``_scans_by_path``)."""
        screens = [(pattern.screen, pattern.only_ascii) for pattern, _ in self._patterns]
        if (any(bit == ALWAYS for _, _, bit in self._detectors) or any(screen is None for screen, _ in screens)
                or len(self._detectors) > _SCREENED_DETECTORS):
            return None
        names = [name for rule in self.policy.rules for name in rule.detectors]  # as _detectors lists them
        detectors = []
        for name, (detect, rule, bit) in zip(names, self._detectors, strict=True):
            entity, detector = SPAN_KINDS.get(name, (None, None))
            detectors.append((name, bit, core_replica(name), detect, rule, entity, _PRIORITY.get(detector, 50)))
        return prefilter(), detectors, screens, _PRIORITY

    # -- public ---------------------------------------------------------------------------------
    def sanitize(self, document: Any) -> SanitizeResult:
        """Sanitize one event (any Sentry dialect, or a webhook body); never raises for bad data.

        A blocked result carries no event: its ``leaks`` name paths and rules, not values.
        Safe to call from several threads.
        """
        if not self._ready:
            self.warm_up()
        return self._sanitize(document)

    def warm_up(self) -> None:
        """Build now what is otherwise built on first use, one thread at a time: sanitizing a probe
        of every kind of value imports and builds every detector and fake generator the policy
        uses, then the compiled core gets the replicas it reads with (the gate's, the walk's
        screen). ``sanitize`` calls it first; call it early to keep that second out of a first event."""
        with _FIRST_USE:
            if not self._ready:
                self._sanitize(_PROBE)
                self._gate_reader = gate_reader(name for name, _, _ in self._gate_detectors)
                screen = self._scan_screen()
                if screen is not None:
                    self._walker.screen_scans(*screen)
                self._ready = True

    def _sanitize(self, document: Any) -> SanitizeResult:
        run = _Run()
        try:
            out, places = self._walk_document(document, run)
            leaks = self._gate(self._propagate(out, places, run), run)
            if any(leak["rule"] == "known-value" for leak in leaks):
                # A fake drawn before an original turned up later in the event may hold it (a fake
                # "Torsten" for one customer, a real Torsten further on): once more, avoiding them all.
                run = _Run(avoid=frozenset(run.known))
                out, places = self._walk_document(document, run)
                leaks = self._gate(self._propagate(out, places, run), run)
        except RecursionError:
            return self._blocked(run, [{"path": "", "rule": "limits", "reason": "event nested too deeply"}])
        except Exception as exc:  # fail closed: an event we could not fully process is not emitted
            return self._blocked(run, [{"path": "", "rule": "internal",
                                        "reason": f"sanitizer error ({type(exc).__name__} at {_raised_at(exc)})"}])
        _rename_change_paths(run)
        if leaks:
            return self._blocked(run, leaks)
        return SanitizeResult(out, run.changes, run.filtered, len(run.kept), policy_hash=self.policy.hash)

    def sanitize_or_raise(self, document: Any) -> SanitizeResult:
        result = self.sanitize(document)
        if result.blocked:
            raise LeakBlocked(_describe_leaks(result.leaks), result.leaks)
        return result

    # -- pass 1: detect and replace -------------------------------------------------------------
    def _walk_document(self, doc: Any, run: _Run) -> tuple[Any, tuple[list, bool]]:
        """(the sanitized copy, its top places): walking assigns to the places, which stay where
        they are, so propagation and the gate start from them too."""
        if not isinstance(doc, dict):
            out = self._walker.walk(self, doc, (), (), "", "", None, run)
            return out, top_places(out)
        if self._names is not None:  # one nlp.pipe batch per event; _scan then reads the cache
            self._names.find([c[i] for c, i, _, canon in outline(doc)[0] if self._ner_field(canon)])
        out = spine_copy(doc)
        run.columns = breadcrumb_params(out)  # a query's parameters are walked under their column names
        places = top_places(out)
        self._walker.walk_top_places(self, places[0], run)
        self._template_params(doc, run)
        return out, places

    def _template_params(self, doc: dict, run: _Run) -> None:
        """A log template's parameters sent without the formatted message ("User %s failed login",
        ["jdoe"]) are judged in their sentence: what the detectors find in the filled-in template
        becomes a known value, which propagation replaces in the parameters."""
        entry = doc.get("logentry")
        if not isinstance(entry, dict) or isinstance(entry.get("formatted"), str):
            return  # the formatted text is walked like any other
        template, params = entry.get("message"), entry.get("params")
        if not isinstance(template, str) or not isinstance(params, (list, dict)):
            return
        text = fill_template(template, params)
        if text is not None:
            self._replace_spans(text, self._scan(text, ("logentry", "formatted")), ("logentry", "params"), run)

    # The walk itself (core/src/walk.rs) calls back the methods below for what needs judging.
    def _judge_name(self, name: str, path: tuple, canon: tuple, run: _Run) -> tuple[str, bool]:
        """A key or pair name that could hold an identifier, with e-mails, cards, IPs and other direct
        identifiers in it faked (a map keyed by e-mail address); the change is reported at the
        container's path. And whether nothing was found in it: the same name at the same place
        finds nothing again (``_scan`` reads a text at a place alike each time), and the walk
        lets it through at once from then on (tag and module names recur in every event)."""
        spans = tuple((span, rule) for span, rule in self._scan(name, canon) if span.entity in _NAME_ENTITIES)
        return self._replace_spans(name, spans, path, run), not spans

    def _judge_fresh(self, value: str, path: tuple, canon: tuple, key: str, run: _Run) -> tuple[Any, bool]:
        """A string no rule names, judged at a place it has not come through untouched before, and
        whether it came through untouched now (nothing replaced, kept or filtered): most strings of
        an event (frame and module names, messages naming no one) recur in every event of their
        kind, and the walk lets such a string through that place at once from then on. A value a
        rule keeps (in a JSON text, say) is not untouched, even when the event kept it before: let
        through unjudged, it would be missing from the values the gate allows in an event that
        holds it only there. (A string a rule names is never untouched: the walk calls _judge.)
        A plain string (``Walker.is_plain``) the walk reads itself, calling back ``_scan`` and
        ``_replace_spans`` as ``_judge`` would: ``tests/test_core.py`` holds the two alike."""
        before = (len(run.changes), run.filtered, run.keeps)
        new = self._judge(value, path, canon, key, None, run)
        return new, new == value and before == (len(run.changes), run.filtered, run.keeps)

    def _rules_at(self, key: str, parent: str, canon: tuple) -> tuple[Rule | None, Rule | None]:
        """(the key rule at a place, the rule the values of a container there inherit)."""
        rule = self._key_rule(key, parent, canon)
        return rule, _container_rule(rule, key)

    def _number(self, node: int, path: tuple, canon: tuple, rule: Rule | None, run: _Run) -> Any:
        """An integer outside safe paths: a key rule's digits (a phone or card sent as a number),
        or a card number sent as a JSON number."""
        if rule is not None and rule.action != "keep" and rule.entity in _DIGIT_ENTITIES:
            new = self._apply(rule, rule.entity, str(node), path, run)
            return int(new) if new is not None and new.lstrip("-").isdigit() else new
        if rule is None and 10**12 <= node < 10**19:
            text = str(node)
            found = self._scan(text, canon)
            if len(found) == 1 and found[0][0].entity == "CREDIT_CARD" and found[0][0].end - found[0][0].start == len(text):
                new = self._apply(found[0][1], "CREDIT_CARD", text, path, run)
                return int(new) if isinstance(new, str) and new.isdigit() else new
        return node

    def _judge(self, value: str, path: tuple, canon: tuple, key: str, rule: Rule | None, run: _Run) -> Any:
        """A string in its place, under the rule the walk found there (inherited from its container,
        else its key's); the walk lets an empty one, or one in a safe path, through itself."""
        if len(value) > self._max_string_chars:  # redacted unread: never scanned, never kept
            run.changes.append(Change(dotted(path), "max-string-chars", "OVERSIZE", "redact", len(value)))
            return OVERSIZE_PLACEHOLDER
        if rule is not None:  # _apply tells a placeholder, quoted or not
            return self._apply_whole(rule, value, path, run)
        if is_placeholder(value):
            run.filtered += 1
            return value
        nested = self._nested(value, path, canon, key, run)
        if nested is not None:
            return nested
        for column, quoted in column_values(value):  # judged by its column; propagation replaces it here
            named = self._key_rule(column, "", canon + (column,))
            if named is not None and named.action != "keep":
                self._apply(named, named.entity, quoted, path, run)
        return self._replace_spans(value, self._scan(value, canon), path, run)

    def _apply_whole(self, rule: Rule, value: str, path: tuple, run: _Run) -> Any:
        """A key rule takes the whole value; a repr'd string keeps its quotes around the fake
        (old SDKs send frame vars as ``"'hunter2'"``), so the same password unquoted elsewhere
        gets the same fake."""
        literal = parse_repr(value) if value[:1] in "'\"" else None
        if literal is not None and isinstance(literal[0], str) and literal[1] is not None:
            text, dump = literal
            new = self._apply(rule, rule.entity, text, path, run)
            return dump(new) if isinstance(new, str) else new
        return self._apply(rule, rule.entity, value, path, run)

    def _nested(self, value: str, path: tuple, canon: tuple, key: str, run: _Run) -> str | None:
        """Open JSON, repr, URL and query strings; walk their parts with their own keys."""
        head, named = value[:1], "=" in value  # a call repr, named fields and a query all hold an "="
        for parser in (parse_json, parse_repr) if head in "{[('\"" else (parse_call_repr,) if named and head.isalpha() else ():
            parsed = parser(value)
            if parsed is not None:
                obj, dump = parsed
                new = self._walker.walk(self, obj, path, canon, key, key, None, run)
                return dump(new) if dump is not None else value
        if (head == "/" or "//" in value) and URL_START.match(value):  # what each of its forms holds
            parts = split_url(value)
            if parts is not None:
                return self._url(value, parts, path, canon, key, run)
        fields = (parse_fields(value) or parse_query(value)) if named else None
        if fields is not None:
            return self._query(fields, path, canon, run)
        return None

    def _url(self, value: str, parts: tuple[str, str, str, str], path: tuple, canon: tuple,
             key: str, run: _Run) -> str:
        prefix, url_path, query, fragment = parts
        prefix = self._replace_spans(prefix, self._scan(prefix, canon), path, run)
        segments = url_path.split("/")
        new_segments = []
        for i, raw in enumerate(segments):
            decoded = unquote(raw)
            seg_key = segments[i - 1] if i else key
            if not decoded or _ROUTE_PARAM.fullmatch(decoded):  # /users/{user_id}: a route template's slot
                new_segments.append(raw)
                continue
            # the segment before is only a guess at this one's name: what the detectors recognise wins
            named_by = "" if _ROUTE_WORD.fullmatch(decoded) or self._scan(decoded, canon) else seg_key
            data = i and (new_segments[i - 1] != seg_key or _NUMBER.match(seg_key))  # see _NUMBER
            place = "path" if data or not seg_key else seg_key
            new = self._walker.string(self, decoded, path, canon + (place,), named_by, "path", run)
            new_segments.append(raw if new == decoded else requote(raw, str(new), plus=False))
        out = prefix + "/".join(new_segments)
        if query:
            parsed = parse_query(query)
            out += "?" + (self._query(parsed, path, canon, run) if parsed else
                          self._replace_spans(query, self._scan(query, canon), path, run))
        elif value.endswith("?") or "?#" in value:
            out += "?"
        if fragment:
            out += self._replace_spans(fragment, self._scan(fragment, canon), path, run)
        return out

    def _query(self, query: Any, path: tuple, canon: tuple, run: _Run) -> str:
        values = []
        for name, value in query.pairs():
            new = self._walker.string(self, value, path + (name,), canon + (name,), name, str(canon[-1]) if canon else "",
                                      run)
            values.append(value if new is None else str(new))
        return query.rebuild(values)

    # -- decisions ------------------------------------------------------------------------------
    def _is_safe(self, canon: tuple) -> bool:
        safe = self._safe_cache.get(canon)
        if safe is None:
            safe = bool(self.policy.safe_regex.match(_joined(canon)))
            remember(self._safe_cache, canon, safe, 100_000)
        return safe

    def _key_rule(self, key: Any, parent: str, canon: tuple) -> Rule | None:
        """The first key rule naming this field whose selectors also match where it sits;
        decided once per place (every event has the same few hundred)."""
        place = (key, parent, canon)
        rule = self._rule_cache.get(place, _UNDECIDED)
        if rule is _UNDECIDED:
            rule = remember(self._rule_cache, place, self._decide_key_rule(key, parent, canon), 100_000)
        return rule

    def _decide_key_rule(self, key: Any, parent: str, canon: tuple) -> Rule | None:
        if not isinstance(key, str) or not _FIELD_NAME.fullmatch(key):
            return None  # a key that is data (a sentence, a selector expression) names no field
        name, *beside_ids = parent.split(_BESIDE)
        nkey, nparent = normalize_key(key), normalize_key(name) if name else ""
        for rule in self._key_rules:
            if rule.key_regex.search(nkey) and (rule.where == ("**",) or rule.where_regex.match(_joined(canon))) \
                    and (not rule.placed or rule.id in beside_ids
                         or (rule.parent_regex is not None and nparent and rule.parent_regex.search(nparent))):
                return rule
        return None

    def _decide_kind(self, key: str, node: dict) -> str:
        """What an object's fields see as their parent: its key, followed by the ids of the rules
        whose ``beside`` keys it holds (a ``name`` beside an ``email`` is a person's). The walk
        remembers it per key and set of field names (objects of one kind recur in every event)."""
        matched: set[str] = set()
        for name in node:
            if isinstance(name, str):
                matched.update(self._beside_of(name))
        return _BESIDE.join([key, *(r.id for r in self._beside_rules if r.id in matched)])

    def _beside_of(self, name: str) -> frozenset[str]:
        """The ids of the rules whose ``beside`` keys a field named ``name`` is one of: asked per
        name, as an object's set of names varies (``modules``) where its names recur."""
        ids = self._beside_cache.get(name)
        if ids is None:
            normal = normalize_key(name)
            ids = frozenset(r.id for r in self._beside_rules if r.beside_regex.search(normal))
            if len(name) <= 256:
                remember(self._beside_cache, name, ids, 8192)
        return ids

    def _scan(self, text: str, canon: tuple, may_hold: int | None = None) -> tuple[tuple[Span, Rule], ...]:
        """Spans of the detector rules that apply at ``canon``; overlaps resolved after the
        selectors had their say, so a rule limited to other paths cannot hide another's span.
        ``may_hold``: the prefilter's verdict on ``text``, where the walk has asked it already."""
        found = self._scan_cache.get(text)
        if found is None:
            spans: list[tuple[Span, Rule]] = []
            may_hold = self._could_hold(text) if may_hold is None else may_hold
            # loops, not generators: a scan runs for most new strings, and a generator is a frame more
            for detect, rule in self._detectors_for(may_hold, self._detectors, self._scan_choices):
                for span in detect(text):
                    spans.append((span, rule))
            for pattern, rule in self._patterns:
                for m in pattern.finditer(text):
                    if m.end() > m.start():
                        spans.append((Span(m.start(), m.end(), rule.entity, rule.id), rule))
            found = tuple(spans)
            if len(text) <= _CACHED_CHARS:
                remember(self._scan_cache, text, found, _CACHED_TEXTS)
        joined, placed = self._at(canon)
        if placed:  # by path, so not in the text-keyed cache either
            found += tuple((Span(m.start(), m.end(), rule.entity, rule.id), rule) for pattern, rule in placed
                           for m in pattern.finditer(text) if m.end() > m.start())
        if self._names is not None and self._ner_field(canon):  # by path, so not in the text-keyed cache
            ner_rule = self.policy.ner.rule
            found += tuple((Span(start, end, "PERSON", "person"), ner_rule) for start, end in self._names.find([text])[0])
        if not found:
            return found
        for _, rule in found:
            if rule.where != ("**",):  # a rule limited to some paths: its spans only where it applies
                found = tuple((s, r) for s, r in found if r.where == ("**",) or r.where_regex.match(joined))
                break
        return _resolve_overlaps(found)

    def _scans_by_path(self, canon: tuple) -> tuple[tuple[tuple[Pattern, bool], ...] | None, int]:
        """What ``_scan`` makes of a text at ``canon`` beside what its text-keyed part finds:
        (the looser forms of the patterns placed there (none at most places), each with whether
        it screens text beyond ASCII too, or None where the
        walk's screen cannot tell (the NER model runs there, or a pattern has no looser form);
        the detectors whose rule applies elsewhere only, as bits of their indices in
        ``_detectors``). The walk asks once per place."""
        joined, placed = self._at(canon)
        elsewhere = sum(1 << i for i, (_, rule, _) in enumerate(self._detectors[:_SCREENED_DETECTORS])
                        if rule.where != ("**",) and not rule.where_regex.match(joined))  # more: no screen reads it
        if self._names is not None and self._ner_field(canon):
            return None, elsewhere
        screens = tuple((pattern.screen, pattern.only_ascii) for pattern, _ in placed)
        return None if any(screen is None for screen, _ in screens) else screens, elsewhere

    def _at(self, canon: tuple) -> tuple[str, tuple[tuple[Screened, Rule], ...]]:
        """(``_joined(canon)``, the placed patterns that apply there), kept per canonical path
        object (held, so its id is not reused): the walk hands the sanitizer the same tuple for a
        place every time, and most texts are scanned where others were before."""
        entry = self._places.get(id(canon))
        if entry is not None and entry[0] is canon:
            return entry[1], entry[2]
        joined = _joined(canon)
        placed = tuple((pattern, rule) for pattern, rule in self._placed_patterns if rule.where_regex.match(joined))
        remember(self._places, id(canon), (canon, joined, placed), 4096)
        return joined, placed

    @staticmethod
    def _detectors_for(may_hold: int, detectors: list[tuple[Any, Any, int]], choices: dict[int, list]) -> list:
        """Of ``detectors`` (the scan's, each with its rule, or the gate's, each after its name;
        each with its bit), those the prefilter's verdict on a text leaves, in their order: the
        verdicts texts get are few, so each list is made once, in ``choices``."""
        chosen = choices.get(may_hold)
        if chosen is None:
            chosen = remember(choices, may_hold, [(first, second) for first, second, bit in detectors
                                                  if (may_hold | ALWAYS) & bit], 4096)
        return chosen

    def _ner_field(self, canon: tuple) -> bool:
        """Whether the policy runs the NER model on the free text at ``canon``."""
        return bool(self.policy.ner.rule.where_regex.match(self._at(canon)[0]))

    # -- actions --------------------------------------------------------------------------------
    def _apply(self, rule: Rule, entity: str, value: str, path: tuple, run: _Run) -> Any:
        action = rule.action
        if action not in _NOT_FAKED:  # "fake", the common case: the core does all of it for most values
            made = self._walker.fake(self, rule.id, entity, value, path, run)
            if made is not None:
                return made
        if is_placeholder(value):
            run.filtered += 1
            return value
        if action not in _NOT_FAKED:
            new: Any = self.fakes.fake(entity, value, avoid=run.holds_known)
        elif action == "keep":
            run.kept.add(value)
            run.keeps += 1
            return value
        elif action == "remove":
            new = None
        elif action == "redact":
            new = "[redacted]"
        elif action == "mask":
            new = re.sub(r"\w", "*", value)
        else:
            new = self.fakes.keyed_hash(value)
        run.changes.append(Change(dotted(path), rule.id, entity, action, len(value)))
        # A value met again in the event with the same fake and entity was remembered in full the
        # first time (its parts, lower case and mailbox name only ever set where unset).
        if isinstance(new, str) and new != value and run.known.get(value) != (new, entity):
            self._remember(value, new, entity, run)
        elif new is None:
            run.known.setdefault(value, ("", entity))
        return new

    def _replace_spans(self, text: str, spans: tuple[tuple[Span, Rule], ...], path: tuple, run: _Run) -> str:
        if not spans:
            return text
        out, last = [], 0
        for span, rule in spans:
            original = text[span.start:span.end]
            if _url_encoded(original, span):  # faked decoded, re-encoded: escapes stay valid escapes
                new = self._apply(rule, span.entity, unquote(original), path, run)
                if isinstance(new, str):
                    new = requote(original, new, plus=False)
            else:
                new = self._apply(rule, span.entity, original, path, run)
            out.append(text[last:span.start])
            out.append(new or "")  # None: removed (a kept value comes back as it is)
            last = span.end
        out.append(text[last:])
        return "".join(out)

    def _remember(self, original: str, fake: str, entity: str, run: _Run) -> None:
        """The fake allowed in the output, the original (with a name's words, its lower case and a
        mailbox's name) a known value: by the compiled core for an ASCII original and fake, else
        by ``_remember_here``, its reference (``tests/test_core.py`` holds the two alike)."""
        if not self._rememberer.remember(original, fake, entity, run.known, run.fakes):  # ASCII: done by the core
            self._remember_here(original, fake, entity, run)

    @staticmethod
    def _remember_here(original: str, fake: str, entity: str, run: _Run) -> None:
        run.fakes.update(escaped(fake))
        if entity not in _PROPAGATED or len(original) < min_known_length(original) or original.lower() in _NOT_NAMES:
            return  # too short or too common a word ("user") to replace wherever it appears
        if entity == "PERSON" and original.lower() in street_words():
            return  # "Brooks" the name is also "Brooks" the street type, which address fakes keep
        if entity == "IP_ADDRESS" and is_loopback(original):
            return  # names no one: faked where Relay scrubs it, kept in URLs so host maps still match
        run.known[original] = (fake, entity)
        if entity == "PERSON":  # a name's words, not the digit groups of a number a name field held
            for part, fake_part in zip(original.split(), fake.split()):
                if (len(part) >= min(3, min_known_length(part)) and part != fake_part and not part.isdigit()
                        and part.lower() not in _NOT_NAMES and part.lower() not in street_words()):
                    run.known.setdefault(part, (fake_part, entity))
        if entity in ("EMAIL_ADDRESS", "PERSON") and original.lower() != original:
            run.known.setdefault(original.lower(), (fake.lower(), entity))
        if entity == "EMAIL_ADDRESS":
            _remember_mailbox_name(original, fake, run)

    # -- pass 2: propagate known originals ------------------------------------------------------
    def _propagate(self, doc: Any, places: tuple[list, bool], run: _Run) -> tuple[list, bool]:
        """Replace known originals wherever else they appear, in keys too (a map keyed by user id);
        in place: pass 1 built new containers. Returns the output's top places for the gate."""
        known = known_values(run.known, Haystack.outline(*places), _UNMISTAKABLE)
        if known is None:
            return places
        run.propagated = known
        leaves, names = walk_outline(*places)
        hits = known.holding([container[index] for container, index, _, _ in leaves] + [name for name, _ in names])
        for i in hits:
            if i >= len(leaves):
                break
            container, index, _, canon = leaves[i]
            value = container[index]
            if value not in run.fakes:  # in safe paths, only what no code location is named like
                container[index] = known.replace(value, self._is_safe(canon))
        if hits and hits[-1] >= len(leaves):  # a key or pair name holds one
            rename(doc, known.replace)
            return top_places(doc)  # renamed keys: the places before point at keys that are gone
        return places

    # -- pass 3: leak gate ----------------------------------------------------------------------
    def _gate(self, places: tuple[list, bool], run: _Run) -> list[dict]:
        """Every known original still in the output, and every hit of the gate's detectors that
        is no fake, as a leak. Walked by the compiled core, which reads each text as ``_gate_leak``
        does (``detectors.gate_reader``: by the replicas where they read it, else by the detectors'
        functions) and calls ``_gate_leak``, the reference, back only for a lone surrogate."""
        # none was in the output before propagation, which then changed nothing: none is now
        known = known_values(run.known, Haystack.outline(*places), _UNMISTAKABLE) if run.propagated is not None else None
        leaks: list[dict] = []
        for path, found in self._walker.gate(self, *places, known, run.fakes | run.kept, self._scan_cache,
                                            self._gate_clean, self._gate_reader):
            if found is None:
                leaks.append({"path": dotted(path), "rule": "known-value", "reason": "a replaced value is still present"})
            else:
                leaks.append({"path": dotted(path), "rule": found[0],
                              "reason": f"{found[0]} found in output (length {found[1]})"})
        return leaks

    def _gate_leak(self, value: str, allowed: set[str]) -> tuple[str, int] | None:
        """(detector, length) of the first hit in ``value`` that is no fake of this event. An
        output string in which no gate detector finds anything at all (a URL rebuilt from parts
        each judged alone, a repr) is remembered as such: it is the same in the next event."""
        found = False
        for name, detect in self._detectors_for(self._could_hold(value), self._gate_detectors, self._gate_choices):
            for span in detect(value):
                found = True
                hit = value[span.start:span.end]
                if not is_allowed(unquote(hit), allowed):  # a fake URL-encoded where it was put
                    return name, span.end - span.start
        if not found and len(value) <= _CACHED_CHARS:
            remember(self._gate_clean, value, True, _CACHED_TEXTS)
        return None

    def _blocked(self, run: _Run, leaks: list[dict]) -> SanitizeResult:
        """A blocked event's changes and leaks name their top-level region only: its keys were
        not all judged (the reason it is blocked), so a deeper path could quote one."""
        changes = [change._replace(path=_region(change.path)) for change in run.changes]
        leaks = [{**leak, "path": _region(leak["path"]) if leak["path"] else ""} for leak in leaks]
        return SanitizeResult(None, changes, run.filtered, len(run.kept), blocked=True, leaks=leaks,
                              policy_hash=self.policy.hash)


def _resolve_overlaps(found: tuple[tuple[Span, Rule], ...]) -> tuple[tuple[Span, Rule], ...]:
    """Keep non-overlapping spans: earlier detectors (secrets first) win, then longer spans."""
    if len(found) <= 1:
        return found
    ordered = sorted(found, key=lambda sr: (_PRIORITY.get(sr[0].detector, 50), -(sr[0].end - sr[0].start)))
    starts: list[int] = []  # of the chosen spans, which never overlap: kept in order, so a new span
    chosen: list[tuple[Span, Rule]] = []  # need only be checked against its two neighbours
    for span, rule in ordered:
        i = bisect.bisect_left(starts, span.start)
        if (i and chosen[i - 1][0].end > span.start) or (i < len(starts) and starts[i] < span.end):
            continue
        starts.insert(i, span.start)
        chosen.insert(i, (span, rule))
    return tuple(chosen)


def _rename_change_paths(run: _Run) -> None:
    """A change's path names the keys it went through as pass 1 met them: a key that is a known
    original (a map keyed by a customer's name) is reported under its fake, as the output has it."""
    known = run.propagated
    if known is None or not run.changes:
        return
    for i in known.holding([change.path for change in run.changes]):
        run.changes[i] = run.changes[i]._replace(path=known.replace(run.changes[i].path))


def _remember_mailbox_name(email: str, fake: str, run: _Run) -> None:
    """An address's mailbox name split off by the code that failed (``local='jane.doe+shop'``)
    gets the mailbox name of the address's fake. Only names shaped like a person's login (a dot,
    dash or underscore between letters, or digits): a plain word (``orders@``) may also be a
    route or a table, and is left to the detectors. As a user name: safe paths keep theirs."""
    local, fake_local = email.rpartition("@")[0], fake.rpartition("@")[0]
    for part, fake_part in ((local, fake_local), (local.partition("+")[0], fake_local.partition("+")[0])):
        if len(part) >= 5 and part != fake_part and _LOGIN_SHAPED.search(part):
            run.known.setdefault(part, (fake_part, "USERNAME"))


def _region(path: str) -> str:
    region = path.split(".", 1)[0]
    return region if IDENTIFIER.fullmatch(region) else "*"


def _container_rule(rule: Rule | None, key: str) -> Rule | None:
    """Everything inside a ``cookies`` or ``credentials`` object is secret; inside ``emails`` it is
    not, nor inside ``auth`` or ``session``, which name a section of app state (a Redux store's
    ``auth.user``) as often as a secret: there each value is judged by its own key."""
    if rule is None or rule.entity not in _CONTAINER_ENTITIES or key.lower() in _SECTION_KEYS:
        return None
    return rule


def _joined(canon: tuple) -> str:
    """A canonical path as selectors see it: segments normalized like keys (``User-Agent`` → ``user_agent``)."""
    return SEP.join(normalize_key(str(segment)) for segment in canon)


def _describe_leaks(leaks: list[dict]) -> str:
    first = leaks[0]
    more = f" (+{len(leaks) - 1} more)" if len(leaks) > 1 else ""
    return f"leak gate blocked the event: {first['reason']} at {first['path'] or '<event>'} [{first['rule']}]{more}"


_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _url_encoded(original: str, span: Span) -> bool:
    """A mailbox URL-encoded in text, or a URL's user or password (percent-escapes are the only
    way a userinfo holds '@', ':' or '/'): fake the decoded value, or ``%40`` becomes ``%91``."""
    if span.entity == "EMAIL_ADDRESS":
        return "%40" in original
    return span.detector == "url_credentials" and "%" in original and bool(_ESCAPE.search(original))


def _raised_at(exc: BaseException) -> str:
    """Where an error was raised, as module:function:line: enough to find a bug, while the
    message, which may quote the event's values, is never shown."""
    frame, line = list(traceback.walk_tb(exc.__traceback__))[-1]
    return f"{Path(frame.f_code.co_filename).stem}:{frame.f_code.co_name}:{line}"
