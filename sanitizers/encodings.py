"""Strings that hold structure: JSON, Python reprs (of objects too), URLs and query strings.

Personal data hides inside such strings (a raw JSON body, a breadcrumb URL, a repr in frame
vars). Each codec parses a string into parts the sanitizer can walk with their own key names,
and rebuilds the string in exactly its original layout; a codec that cannot rebuild exactly
says so, and the caller falls back to replacing known values inside the text.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Callable
from typing import Any

from sanitizers._core import python_literal, requote, unquote

__all__ = ["url_patterns", "parse_json", "parse_repr", "parse_call_repr", "QueryString", "parse_query", "Fields", "parse_fields",
           "URL_START", "split_url", "requote"]

_MAX_NESTED = 200_000  # characters; longer strings are scanned as text only
# What may follow a JSON object's or array's opening bracket (after whitespace): a key or the
# end; a value or the end. An empty text after it is no JSON either.
_OBJECT_STARTS = frozenset('"}')
_VALUE_STARTS = frozenset('"-0123456789tfnIN[{]')
# Reading a repr compiles it, and Python's compiler warns on stderr about text such as "12for"
# (SyntaxWarning: invalid decimal literal) before it fails: a warning about an event's text, not
# about anyone's code. Compiled under this name, it is never shown.
_REPR_FILE = "<repr in an event>"
warnings.filterwarnings("ignore", category=SyntaxWarning, module=re.escape(_REPR_FILE))


def parse_json(text: str) -> tuple[Any, Callable[[Any], str] | None] | None:
    """(parsed, dump) for a JSON object/array string; dump is None when the layout is not ours."""
    if len(text) > _MAX_NESTED or text[:1] not in "{[" or text.rstrip()[-1:] not in "}]":
        return None
    if text[1:].lstrip(" \t\n\r")[:1] not in (_OBJECT_STARTS if text[0] == "{" else _VALUE_STARTS):
        return None  # a Python repr ({'id': 7}), which json.loads would refuse only after raising
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    for dump in _layouts(text):
        try:
            if dump(parsed) == text:
                return parsed, dump
        except (ValueError, RecursionError):
            return parsed, None
    return parsed, None


# json.dumps(obj, ensure_ascii=..., separators=...) in the layouts tried, in order: the encoders
# made once, where json.dumps makes one per call.
_JSON_LAYOUTS = tuple(json.JSONEncoder(ensure_ascii=ascii_only, separators=separators).encode
                      for ascii_only in (False, True) for separators in ((",", ":"), (", ", ": ")))
_FIRST_KEY = re.compile(r'\{"(?:[^"\\]|\\.)*":')


def _layouts(text: str) -> tuple[Callable[[Any], str], ...]:
    """The layouts ``text`` may be written in, in their order: an object's first key is followed
    by ``": "`` in the spaced ones only (a value never starts with a space), so only they, or
    only the compact ones, are encoded to be compared (each encoding costs as much as the parse)."""
    m = _FIRST_KEY.match(text)
    if m is None:
        return _JSON_LAYOUTS
    spaced = text[m.end():m.end() + 1] == " "
    return _JSON_LAYOUTS[spaced::2]


def parse_repr(text: str) -> tuple[Any, Callable[[Any], str] | None] | None:
    """(parsed, dump) for a Python repr of a dict, list, tuple or str (frame vars hold these)."""
    if len(text) > _MAX_NESTED or text[:1] not in "{[('\"" or "'" not in text and '"' not in text:
        return None
    read = python_literal(text)  # the compiled core reads what repr writes, and says where it is unsure
    if read is not None:
        parsed = read[0]
    else:
        try:
            parsed = ast.literal_eval(ast.parse(text, _REPR_FILE, mode="eval"))
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return None
    if not isinstance(parsed, (dict, list, tuple, str)):
        return None
    return parsed, (repr if repr(parsed) == text else None)


_CALL_START = re.compile(r"[A-Za-z_][\w.]{0,127}\(")


def parse_call_repr(text: str) -> tuple[dict, Callable[[dict], str] | None] | None:
    """(fields, dump) for the repr of a dataclass, attrs class, namedtuple or pydantic model in
    frame vars: ``Customer(first_name='Jane', address=Address(city='Lyon'))``, every argument by
    keyword and a literal or another such repr. The fields are walked as a dict under their names."""
    if len(text) > _MAX_NESTED or text[-1:] != ")" or "=" not in text or not _CALL_START.match(text):
        return None
    try:
        skeleton, fields = _call_fields(ast.parse(text, _REPR_FILE, mode="eval").body)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None

    def dump(walked: dict) -> str:
        return _dump_call(skeleton, walked)

    return fields, (dump if dump(fields) == text else None)


def _call_fields(node: ast.expr) -> tuple[tuple[str, dict], dict]:
    """((class name, each field's skeleton or None), fields) of a keyword-only call, nested ones included."""
    if not isinstance(node, ast.Call) or node.args or not all(kw.arg for kw in node.keywords):
        raise ValueError("not a repr of keyword fields")
    skeleton: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for kw in node.keywords:
        if isinstance(kw.value, ast.Call):
            skeleton[kw.arg], fields[kw.arg] = _call_fields(kw.value)
        else:
            skeleton[kw.arg], fields[kw.arg] = None, ast.literal_eval(kw.value)
    return (ast.unparse(node.func), skeleton), fields


def _dump_call(skeleton: tuple[str, dict], walked: dict) -> str:
    name, fields = skeleton
    parts = [f"{key}={repr(value) if sub is None else _dump_call(sub, value)}"
             for (_, sub), (key, value) in zip(fields.items(), walked.items())]
    return f"{name}({', '.join(parts)})"


_QUERY = re.compile(r"[^\s=&#?]+=[^\s&#]*(?:&[^\s=&#]+=[^\s&#]*)*")
# A comma-separated list of pairs: W3C ``baggage`` (``sentry-trace_id=...,user.email=...``),
# ``tracestate``: keys are tokens, values percent-encoded (no space, no comma) and may hold ``=``
# and ``;`` properties. Not a Ruby hash dump (``{"name"=>"Jane Doe", ...}``).
_COMMA_LIST = re.compile(r"[\w.-]+=[^\s,&#]*(?:,[ \t]*[\w.-]+=[^\s,&#]*)+")
# A URL, a path with a query, or a path of two segments or more (a navigation breadcrumb's
# /customers/88123/edit, a transaction): each segment is judged under the one before it.
URL_START = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//|/[^\s]*\?|/[^\s/?#]+/[^\s/?#]")


class QueryString:
    """``a=1&b=x%40y.com`` (or ``a=1,b=2``): each value decoded for the walk, re-encoded in its own style."""

    def __init__(self, text: str, sep: str = "&") -> None:
        self.sep = sep
        self.parts = [p.partition("=") for p in text.split(sep)]

    def pairs(self) -> list[tuple[str, str]]:
        return [(unquote(name, plus=True), unquote(raw, plus=True)) for name, _, raw in self.parts]

    def rebuild(self, values: list[str]) -> str:
        out = []
        for (name, eq, raw), value in zip(self.parts, values):
            out.append(f"{name}{eq}{raw if value == unquote(raw, plus=True) else requote(raw, value, plus=True)}")
        return self.sep.join(out)


def parse_query(text: str) -> QueryString | None:
    if len(text) > _MAX_NESTED or "=" not in text:
        return None
    if "&" not in text and "," in text and _COMMA_LIST.fullmatch(text):
        return QueryString(text, ",")
    return QueryString(text) if _QUERY.fullmatch(text) else None


# Text made of named fields, each a (name, value) match: a raw multipart/form-data body, a PHP
# print_r dump, a CSS selector of a form input that carries its value.
_MULTIPART_FIELD = re.compile(
    r'(?im)^content-disposition:[^\r\n]*?\bname="(?P<name>[^"\r\n]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n'
    r"(?P<value>(?s:.*?))(?=\r?\n--)")
_PRINT_R_FIELD = re.compile(r"(?m)^[ \t]*\[(?P<name>[\w.-]{1,64})\] => (?P<value>[^\r\n]*)")
_SELECTOR_NAME = re.compile(r'\[(?:name|id)=["\']?(?P<name>[\w.-]{1,64})|#(?P<id>[\w-]{1,64})|\[type=["\']?(?P<type>tel|email)\b')
_INPUT_TYPES = {"tel": "phone", "email": "email"}  # an input named only by its type
_SELECTOR_VALUE = re.compile(r'\[value=(?P<quote>["\'])(?P<value>[^"\'\]]{1,256})(?P=quote)\]')


class Fields:
    """Named fields inside a text, each value walked under its name; everything between the
    values (boundaries, part headers, brackets) kept byte for byte. Same interface as
    :class:`QueryString`."""

    def __init__(self, text: str, fields: list[tuple[str, re.Match[str]]]) -> None:
        self.text, self.fields = text, fields

    def pairs(self) -> list[tuple[str, str]]:
        return [(name, m.group("value")) for name, m in self.fields]

    def rebuild(self, values: list[str]) -> str:
        out, last = [], 0
        for (_, m), value in zip(self.fields, values):
            out += [self.text[last:m.start("value")], value]
            last = m.end("value")
        return "".join(out) + self.text[last:]


def parse_fields(text: str) -> Fields | None:
    """Multipart bodies, print_r dumps and input selectors with a value; None for other text."""
    if len(text) > _MAX_NESTED:
        return None
    if text.startswith("--") and "ontent-" in text:
        fields = [(m.group("name"), m) for m in _MULTIPART_FIELD.finditer(text)]
    elif "] => " in text:
        fields = [(m.group("name"), m) for m in _PRINT_R_FIELD.finditer(text)]
    elif "[value=" in text:
        value, named = _SELECTOR_VALUE.search(text), _SELECTOR_NAME.search(text)
        name = named and (named.group("name") or named.group("id") or _INPUT_TYPES[named.group("type")])
        fields = [(name, value)] if value and name else []
    else:
        return None
    return Fields(text, fields) if fields else None


_WHITESPACE = re.compile(r"\s")
_URL_PARTS = re.compile(  # a DSN's password may hold "?" and "#" unescaped (see detectors._URL_CREDS)
    r"((?!(?i:https?):)[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s@:]*:[^/\s@]*@[^/?#\s]*"
    r"|(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#\s]*)?([^?#\s]*)(?:\?([^#\s]*))?(#\S*)?")


# A path without host or query is a route unless it names a file of code or a file system's root.
_FILE_PATH = re.compile(r"^/(?:srv|usr|home|var|opt|etc|tmp|app|code|src|lib|bin|mnt|root|workspace|Users|private|System"
                        r"|Library|Applications|proc|dev|run|nix)/|\.(?:py[cdiow]?|[cm]?js|jsx|tsx?|rb|java|class|jar|go"
                        r"|php|cs|dll|so|dylib|kt|scala|swift|c|h|cpp|rs|exs?|erl|lua|pl|sh)$")


def url_patterns() -> list[str]:
    """``URL_START``, ``_FILE_PATH``, ``_QUERY`` and ``_COMMA_LIST``, for the compiled core,
    which reads a URL as ``split_url`` and ``parse_query`` do (``core/src/url.rs``)."""
    patterns = (URL_START, _FILE_PATH, _QUERY, _COMMA_LIST)
    assert all(pattern.flags == re.UNICODE for pattern in patterns), "the core reads them without flags"
    return [pattern.pattern for pattern in patterns]


def split_url(text: str) -> tuple[str, str, str, str] | None:
    """(prefix up to the path, path, query, fragment-with-#) for URL-like strings.

    No part may hold whitespace, so a string with any is no URL; testing that first also keeps
    the pattern from backtracking through every way of splitting a long run (``//aaa…a x``)."""
    if _WHITESPACE.search(text):
        return None
    m = _URL_PARTS.fullmatch(text)
    if not m or not (m.group(1) or m.group(3) is not None or (text.startswith("/") and not _FILE_PATH.search(text))):
        return None
    return m.group(1) or "", m.group(2) or "", m.group(3) or "", m.group(4) or ""
