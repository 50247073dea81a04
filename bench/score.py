"""Score a sanitized event stream against the truth file written by ``bench/corpus.py``.

A planted personal value LEAKS if it can still be found in the sanitized event in
any of the encodings a careless sanitizer lets through (as-is, JSON/repr escaped,
URL-encoded, lower-cased, base64 at any alignment, separator-free digits for
cards/phones/IBANs/SSNs, or any of its recorded ``parts`` such as a JWT payload).
A planted technical value is KEPT if it still appears in the event exactly.

Usage::

    python bench/score.py --truth truth.json --output sanitized.jsonl [--json]

Importable: ``score(events_out, truth) -> dict``.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote, quote_plus, unquote_plus

# --------------------------------------------------------------------------- targets

#: Kinds where a single leak fails the run (direct identifiers and credentials).
ZERO_LEAK_KINDS: frozenset[str] = frozenset(
    {"email", "card", "iban", "ip", "ssn", "secret", "token", "password", "jwt", "basic_auth"}
)
MAX_OVERALL_LEAK_RATE = 0.005  # 0.5 % of all planted personal values
MIN_KEPT_RATE = 0.99  # 99 % of technical values unchanged

#: Kinds whose value is also searched as a separator-free sequence (``4111 1111`` == ``41111111``).
DIGIT_KINDS: frozenset[str] = frozenset({"card", "phone"})
ALNUM_KINDS: frozenset[str] = frozenset({"iban", "ssn"})
#: Shorter compact sequences would match random digit runs (timestamps, ids).
MIN_COMPACT_LEN = {"card": 12, "phone": 7, "iban": 12, "ssn": 8}
#: Values shorter than this are matched on word boundaries (a first name "Ana" must not hit "Banana").
SHORT_VALUE_LEN = 8
#: Base64 fragments shorter than this could match by chance.
MIN_B64_CORE = 8
#: Keys like ``email`` or ``customer.name`` are schema, not data; they never count as leaks.
SCHEMA_KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]+$")
MAX_EXAMPLES = 50

_WORD_CHAR = re.compile(r"\w")
_DIGIT = re.compile(r"\d")
_NON_DIGIT = re.compile(r"\D+")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


class InputError(Exception):
    """Raised for unusable inputs so the CLI can print a clear message instead of a traceback."""


# --------------------------------------------------------------------------- haystack


@dataclass(frozen=True)
class Haystack:
    """Searchable views of one event, built once and reused for every planted value."""

    text: str  # string leaves (+ non-schema keys), newline-joined
    decoded: str  # same, URL-decoded (catches partially encoded query strings)
    digits: str  # per leaf digits only
    alnum: str  # per leaf upper-case alphanumerics only
    tech_text: str  # string leaves and all keys, for the kept check
    numbers: tuple[float, ...]  # numeric leaves, for the kept check


def _walk(node: Any, strings: list[str], keys: list[str], numbers: list[float]) -> None:
    """Collect leaves; pair lists (headers, tags, query pairs) have their first items treated as keys."""
    if isinstance(node, dict):
        for key, value in node.items():
            keys.append(str(key))
            _walk(value, strings, keys, numbers)
    elif isinstance(node, list):
        if node and all(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) for item in node):
            for key, value in node:
                keys.append(key)
                _walk(value, strings, keys, numbers)
        else:
            for item in node:
                _walk(item, strings, keys, numbers)
    elif isinstance(node, str):
        strings.append(node)
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, (int, float)):
        numbers.append(node)
        strings.append(str(node))


def build_haystack(event: Any) -> Haystack:
    """Flatten an event into the views the leak and kept checks search."""
    strings: list[str] = []
    keys: list[str] = []
    numbers: list[float] = []
    _walk(event, strings, keys, numbers)
    data_keys = [k for k in keys if not SCHEMA_KEY_RE.match(k)]
    leaves = strings + data_keys
    decoded = [unquote_plus(s) for s in leaves]
    both = leaves + decoded
    return Haystack(
        text="\n".join(leaves),
        decoded="\n".join(decoded),
        digits="\n".join(_NON_DIGIT.sub("", s) for s in both),
        alnum="\n".join(_NON_ALNUM.sub("", s).upper() for s in both),
        tech_text="\n".join(strings + keys),
        numbers=tuple(numbers),
    )


# --------------------------------------------------------------------------- needles


def compact(value: str, kind: str) -> str | None:
    """Separator-free form for card/phone/IBAN/SSN values, or None when not applicable/too short."""
    if kind in DIGIT_KINDS:
        out = _NON_DIGIT.sub("", value)
    elif kind in ALNUM_KINDS:
        out = _NON_ALNUM.sub("", value).upper()
    else:
        return None
    return out if len(out) >= MIN_COMPACT_LEN[kind] else None


def literal_variants(value: str, kind: str) -> dict[str, str]:
    """Encodings of a value that would appear literally in a string leaf, by encoding name."""
    variants: dict[str, str] = {"as-is": value}
    candidates = [
        ("json-escaped", json.dumps(value, ensure_ascii=True)[1:-1]),
        ("json-escaped-utf8", json.dumps(value, ensure_ascii=False)[1:-1]),
        ("repr-escaped", repr(value)[1:-1]),
        ("url-quote", quote(value, safe="")),
        ("url-quote", quote(value, safe="/@:")),
        ("url-quote-plus", quote_plus(value)),
        ("url-quote-plus", quote_plus(value, safe="@")),
    ]
    if uses_lowercase(value, kind):
        low = value.lower()
        candidates += [
            ("lower-cased", low),
            ("lower-cased+url-quote", quote(low, safe="")),
            ("lower-cased+url-quote-plus", quote_plus(low)),
        ]
    seen = {value}
    for name, literal in candidates:
        if literal and literal not in seen:
            seen.add(literal)
            variants[name if name not in variants else f"{name}#{len(variants)}"] = literal
    return variants


def uses_lowercase(value: str, kind: str) -> bool:
    """Lower-case matching only where it cannot collide with ordinary words ("Max" vs "max-age")."""
    return kind in {"email", "username"} or len(value) >= SHORT_VALUE_LEN


def needs_boundaries(value: str, kind: str) -> bool:
    """Short values and IPs must match whole words, otherwise they hit unrelated substrings."""
    return kind == "ip" or len(value) < SHORT_VALUE_LEN


@functools.lru_cache(maxsize=65536)
def literal_pattern(literal: str, kind: str) -> re.Pattern[str]:
    """Regex for a literal with word-boundary guards on the ends that are word characters."""
    if kind == "ip":  # 1.2.3.4 must not match inside 11.2.3.45
        return re.compile(r"(?<![\w.])" + re.escape(literal) + r"(?![\w]|\.\d)")
    left = r"(?<!\w)" if _WORD_CHAR.match(literal[:1]) else ""
    right = r"(?!\w)" if _WORD_CHAR.match(literal[-1:]) else ""
    return re.compile(left + re.escape(literal) + right)


def _is_word(ch: str) -> bool:
    return bool(ch) and _WORD_CHAR.match(ch) is not None


def find_bounded(haystack: str, literal: str, kind: str, boundaries: bool) -> Iterator[int]:
    """Start offsets of non-overlapping matches; same semantics as ``literal_pattern`` but much
    faster than a regex that starts with a look-behind (str.find does the scanning)."""
    if not literal:
        return
    size = len(literal)
    is_ip = kind == "ip"
    check_left = boundaries and (is_ip or _is_word(literal[0]))
    check_right = boundaries and (is_ip or _is_word(literal[-1]))
    pos = haystack.find(literal)
    while pos != -1:
        before = haystack[pos - 1] if pos else ""
        after = haystack[pos + size : pos + size + 2]
        ok = not (check_left and (_is_word(before) or (is_ip and before == ".")))
        if ok and check_right and after:
            ok = not (_is_word(after[0]) or (is_ip and after[0] == "." and _DIGIT.match(after[1:2]) is not None))
        if ok:
            yield pos
            pos = haystack.find(literal, pos + size)
        else:
            pos = haystack.find(literal, pos + 1)


def contains(haystack: str, literal: str, kind: str, boundaries: bool) -> bool:
    """Substring search, word-bounded when asked."""
    if not literal:
        return False
    if boundaries:
        return next(find_bounded(haystack, literal, kind, True), None) is not None
    return literal in haystack


@functools.lru_cache(maxsize=65536)
def base64_cores(value: str, kind: str = "") -> tuple[str, ...]:
    """Base64 fragments of the value at all three byte alignments (std and url-safe alphabets).

    A value embedded in a larger base64 blob (Basic auth ``user:password``, a JWT payload)
    shows up as one of these fragments whatever bytes precede it. An e-mail address's fragment
    must hold a byte of its local part: a fake keeps the domain, so a fragment of ``@live.com``
    alone is found in the fake of ``ii@live.com`` too.
    """
    data = value.encode("utf-8")
    personal = len(value.partition("@")[0].encode("utf-8")) if kind == "email" and "@" in value else len(data)
    cores: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        full = ((offset + len(data)) // 3) * 4  # characters from complete 3-byte groups
        core = encoded[4 if offset else 0 : full]
        first_byte = 3 - offset if offset else 0  # of the data, the first the fragment covers
        if len(core) >= MIN_B64_CORE and first_byte < personal:
            cores.append(core)
            cores.append(core.replace("+", "-").replace("/", "_"))
    return tuple(dict.fromkeys(cores))


def find_leak(entry: Mapping[str, Any], hay: Haystack) -> str | None:
    """Return the name of the first encoding under which the value is still present, else None."""
    kind = str(entry["kind"])
    value = str(entry["value"])
    boundaries = needs_boundaries(value, kind)
    for name, literal in literal_variants(value, kind).items():
        if contains(hay.text, literal, kind, boundaries):
            return name
    if contains(hay.decoded, value, kind, boundaries):
        return "url-decoded"
    if uses_lowercase(value, kind) and contains(hay.decoded.lower(), value.lower(), kind, boundaries):
        return "url-decoded+lower-cased"
    packed = compact(value, kind)
    if packed is not None:
        target = hay.digits if kind in DIGIT_KINDS else hay.alnum
        if packed in target:
            return "separators-removed"
    for core in base64_cores(value, kind):
        if core in hay.text:
            return "base64"
    for part in entry.get("parts") or ():
        if part and str(part) in hay.text:
            return "part"
    return None


def is_kept(entry: Mapping[str, Any], hay: Haystack) -> bool:
    """A technical value is kept if it appears exactly (as a whole token or equal number leaf)."""
    value = entry["value"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if any(n == value for n in hay.numbers):
            return True
    return contains(hay.tech_text, str(value), "technical", True)


def count_occurrences(entry: Mapping[str, Any], hay: Haystack) -> int:
    """How often a technical value appears as a whole token (numbers are in the text as str())."""
    return sum(1 for _ in find_bounded(hay.tech_text, str(entry["value"]), "technical", True))


# --------------------------------------------------------------------------- scoring


def _truth_events(truth: Any) -> list[Mapping[str, Any]]:
    """Accept the whole truth document or just its ``events`` list; reject anything malformed."""
    events = truth.get("events") if isinstance(truth, Mapping) else truth
    if not isinstance(events, list):
        raise InputError("truth must be the corpus truth document (with an 'events' list)")
    for i, item in enumerate(events):
        if not isinstance(item, Mapping):
            raise InputError(f"truth event #{i} is not an object")
        for section in ("personal", "technical"):
            values = item.get(section)
            if not isinstance(values, list) or not all(
                isinstance(v, Mapping) and "kind" in v and "value" in v for v in values
            ):
                raise InputError(f"truth event #{i}: '{section}' must be a list of {{kind, value}} objects")
    return events


def _rate(num: int, den: int) -> float:
    return num / den if den else 0.0


def align(events_out: Sequence[Any], truth_events: Sequence[Mapping[str, Any]]) -> list[Any | None]:
    """Pair each truth event with its output event: by position when the counts match, otherwise
    by ``event_id`` (a sanitizer may drop events its leak gate blocks); None marks a dropped event."""
    if len(events_out) == len(truth_events):
        return list(events_out)
    ids = [e.get("event_id") if isinstance(e, Mapping) else None for e in events_out]
    known = {t.get("event_id") for t in truth_events}
    matchable = bool(events_out) and None not in known and None not in ids and len(set(ids)) == len(ids)
    if len(events_out) > len(truth_events) or not matchable or not set(ids) <= known:
        raise InputError(
            f"output has {len(events_out)} events but truth has {len(truth_events)}, and they cannot be "
            "matched by event_id; emit one event per input line in order, or keep event_id and only drop events"
        )
    by_id = dict(zip(ids, events_out))
    return [by_id.get(t.get("event_id")) for t in truth_events]


def score(events_out: Sequence[Any], truth: Any) -> dict[str, Any]:
    """Compare sanitized events with the truth and return the report dict.

    Events are matched by position, or by event_id when some were dropped; a dropped event
    leaks nothing but also keeps none of its technical values.
    """
    truth_events = _truth_events(truth)
    aligned = align(events_out, truth_events)
    dropped = sum(1 for e in aligned if e is None)
    planted: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    tech_planted: Counter[str] = Counter()
    tech_kept: Counter[str] = Counter()
    occ_planted: Counter[str] = Counter()
    occ_kept: Counter[str] = Counter()
    encodings: Counter[str] = Counter()
    leak_examples: list[dict[str, Any]] = []
    lost_examples: list[dict[str, Any]] = []
    non_dict = 0
    id_mismatch = 0

    for index, (event, expected) in enumerate(zip(aligned, truth_events)):
        if event is None:
            event = {}
        elif not isinstance(event, Mapping):
            non_dict += 1
        elif expected.get("event_id") and event.get("event_id") != expected["event_id"]:
            id_mismatch += 1
        hay = build_haystack(event)
        for entry in expected["personal"]:
            kind = str(entry["kind"])
            planted[kind] += 1
            how = find_leak(entry, hay)
            if how is not None:
                leaked[kind] += 1
                encodings[how.split("#")[0]] += 1
                if len(leak_examples) < MAX_EXAMPLES:
                    leak_examples.append({"index": index, "kind": kind, "value": entry["value"], "encoding": how})
        for entry in expected["technical"]:
            kind = str(entry["kind"])
            tech_planted[kind] += 1
            if is_kept(entry, hay):
                tech_kept[kind] += 1
            elif len(lost_examples) < MAX_EXAMPLES:
                lost_examples.append({"index": index, "kind": kind, "value": entry["value"]})
            # Secondary, stricter view: every planted occurrence (body, message, URL...) survives.
            expected_count = int(entry.get("occurrences") or 1)
            occ_planted[kind] += expected_count
            occ_kept[kind] += min(expected_count, count_occurrences(entry, hay))

    personal = {
        kind: {
            "planted": planted[kind],
            "leaked": leaked[kind],
            "leak_rate": _rate(leaked[kind], planted[kind]),
            "zero_leak": kind in ZERO_LEAK_KINDS,
            "pass": (leaked[kind] == 0) if kind in ZERO_LEAK_KINDS else None,
        }
        for kind in sorted(planted)
    }
    technical = {
        kind: {
            "planted": tech_planted[kind],
            "kept": tech_kept[kind],
            "kept_rate": _rate(tech_kept[kind], tech_planted[kind]),
            "occurrences_kept_rate": _rate(occ_kept[kind], occ_planted[kind]),
        }
        for kind in sorted(tech_planted)
    }
    total_planted, total_leaked = sum(planted.values()), sum(leaked.values())
    total_tech, total_kept = sum(tech_planted.values()), sum(tech_kept.values())
    overall_leak_rate = _rate(total_leaked, total_planted)
    kept_rate = _rate(total_kept, total_tech)
    failing_zero = sorted(k for k in planted if k in ZERO_LEAK_KINDS and leaked[k])
    checks = {
        "zero_leak_kinds": not failing_zero,
        "overall_leak_rate": overall_leak_rate <= MAX_OVERALL_LEAK_RATE,
        "kept_rate": kept_rate >= MIN_KEPT_RATE,
    }
    return {
        "events": len(truth_events),
        "personal": personal,
        "technical": technical,
        "overall": {
            "personal_planted": total_planted,
            "personal_leaked": total_leaked,
            "leak_rate": overall_leak_rate,
            "technical_planted": total_tech,
            "technical_kept": total_kept,
            "kept_rate": kept_rate,
            "occurrences_kept_rate": _rate(sum(occ_kept.values()), sum(occ_planted.values())),
        },
        "targets": {
            "zero_leak_kinds": sorted(ZERO_LEAK_KINDS),
            "max_overall_leak_rate": MAX_OVERALL_LEAK_RATE,
            "min_kept_rate": MIN_KEPT_RATE,
        },
        "checks": checks,
        "failing_zero_leak_kinds": failing_zero,
        "pass": all(checks.values()),
        "leak_encodings": dict(sorted(encodings.items())),
        "leak_examples": leak_examples,
        "lost_examples": lost_examples,
        "warnings": {"dropped_events": dropped, "non_dict_events": non_dict, "event_id_mismatches": id_mismatch},
    }


# --------------------------------------------------------------------------- I/O + CLI


def load_truth(path: Path) -> dict[str, Any]:
    """Read and minimally validate the truth document."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"truth file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read truth file {path}: {exc}") from None
    if not isinstance(truth, dict):
        raise InputError(f"truth file {path} must hold a JSON object")
    _truth_events(truth)
    return truth


def load_events(path: Path) -> list[Any]:
    """Read a JSON-lines file of events (blank lines ignored)."""
    events: list[Any] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    except FileNotFoundError:
        raise InputError(f"output file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read output file {path}: {exc}") from None
    return events


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def format_report(report: Mapping[str, Any]) -> str:
    """Human-readable tables (pandas) plus the pass/fail verdict."""
    import pandas as pd

    personal = pd.DataFrame(
        [
            {
                "kind": kind,
                "planted": row["planted"],
                "leaked": row["leaked"],
                "leak rate": _pct(row["leak_rate"]),
                "target": "0 leaks" if row["zero_leak"] else "overall",
                "status": ("PASS" if row["pass"] else "FAIL") if row["zero_leak"] else "",
            }
            for kind, row in report["personal"].items()
        ]
    )
    technical = pd.DataFrame(
        [
            {
                "kind": kind,
                "planted": row["planted"],
                "kept": row["kept"],
                "kept rate": _pct(row["kept_rate"]),
                "occurrences kept": _pct(row["occurrences_kept_rate"]),
            }
            for kind, row in report["technical"].items()
        ]
    )
    overall = report["overall"]
    checks = report["checks"]
    lines = [
        f"events scored: {report['events']}",
        "",
        "PERSONAL VALUES",
        personal.to_string(index=False) if len(personal) else "(none planted)",
        "",
        "TECHNICAL VALUES",
        technical.to_string(index=False) if len(technical) else "(none planted)",
        "",
        f"zero-leak kinds        : {'PASS' if checks['zero_leak_kinds'] else 'FAIL'}"
        + (f" (leaking: {', '.join(report['failing_zero_leak_kinds'])})" if report["failing_zero_leak_kinds"] else ""),
        f"overall leak rate      : {_pct(overall['leak_rate'])} "
        f"({overall['personal_leaked']}/{overall['personal_planted']}, target <= "
        f"{_pct(report['targets']['max_overall_leak_rate'])}) {'PASS' if checks['overall_leak_rate'] else 'FAIL'}",
        f"technical kept rate    : {_pct(overall['kept_rate'])} "
        f"({overall['technical_kept']}/{overall['technical_planted']}, target >= "
        f"{_pct(report['targets']['min_kept_rate'])}) {'PASS' if checks['kept_rate'] else 'FAIL'}",
        f"occurrences kept       : {_pct(overall['occurrences_kept_rate'])} (informational: every planted "
        "occurrence, e.g. an order id in body and message)",
    ]
    if report["leak_encodings"]:
        lines.append("leaks by encoding      : " + ", ".join(f"{k}={v}" for k, v in report["leak_encodings"].items()))
    warnings = {k: v for k, v in report["warnings"].items() if v}
    if warnings:
        lines.append("warnings               : " + ", ".join(f"{k}={v}" for k, v in warnings.items()))
    for title, rows in (("first leaks", report["leak_examples"]), ("first lost technical", report["lost_examples"])):
        if rows:
            lines.append(f"{title}:")
            for row in rows[:10]:
                how = f" via {row['encoding']}" if "encoding" in row else ""
                lines.append(f"  #{row['index']} {row['kind']}: {str(row['value'])[:60]!r}{how}")
    lines.append("")
    lines.append(f"RESULT: {'PASS' if report['pass'] else 'FAIL'}")
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    """CLI entry point: exit 0 with a report, or 2 with a one-line error for unusable inputs."""
    parser = argparse.ArgumentParser(description="Score sanitized Sentry events against corpus truth.")
    parser.add_argument("--truth", required=True, type=Path, help="truth.json written by bench/corpus.py")
    parser.add_argument("--output", required=True, type=Path, help="sanitized events, one JSON per line")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        report = score(load_events(args.output), load_truth(args.truth))
    except InputError as exc:
        print(f"score.py: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
