"""Parameters sent apart from the text that gives them meaning.

SDKs record a query breadcrumb as the statement (``UPDATE customers SET phone = %s WHERE id = %s``)
plus its parameters as a bare list (``data["db.params"]``), and a log message as a template plus
``params`` (``"User %s failed login"``, ``["jdoe"]``), often without the formatted text. A bare
date or name gives nothing away; named by its column, a parameter is judged by the key rules (a
``birth_date`` is a date of birth), and put back into its sentence, by the text detectors.
"""

from __future__ import annotations

import functools
import re

__all__ = ["COLUMN_CUES", "breadcrumb_params", "column_patterns", "column_values", "fill_template", "param_columns"]

_MAX_TEXT = 20_000  # characters; a longer statement or template is not read
_PLACEHOLDER = re.compile(r"%\((?P<named>\w+)\)s|%s|\?|\$\d+|(?<![:\w]):(?P<colon>[A-Za-z_]\w*)")
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_INSERT = re.compile(r"(?is)\binsert\s+(?:or\s+\w+\s+)?into\s+[\w.\"`]+\s*\(([^()]*)\)\s*values\s*\(([^()]*)\)")
_COMPARED = re.compile(r"(?i)([\w\"`]+)\s*(?:=|<>|!=|<=|>=|<|>|\blike|\bilike|\bin\s*\(|\bis)\s*$")
_TABLE = re.compile(r"(?i)\b(?:update|from|into)\s+[\"`]?(?:\w+\.)?(\w+)")
# The `id` of these tables is a person's id: named `customer_id`, it meets the user-id rule.
_PEOPLE = {"users": "user_id", "user": "user_id", "customers": "customer_id", "customer": "customer_id",
           "accounts": "user_id", "members": "user_id", "profiles": "user_id", "auth_user": "user_id"}


@functools.lru_cache(maxsize=512)
def param_columns(sql: str) -> tuple[str | None, ...]:
    """One column name (or None when the statement does not say) per placeholder, in order. A
    statement recurs in every event of its query (the parameters are what differ): read once."""
    if len(sql) > _MAX_TEXT:
        return ()
    text = _QUOTED.sub(lambda m: " " * len(m.group(0)), sql)  # placeholders in literals are text
    named_by_insert: dict[int, str] = {}
    insert = _INSERT.search(text)
    if insert:
        columns = [c.strip().strip("\"`") for c in insert.group(1).split(",")]
        offset = insert.start(2)
        for column, value in zip(columns, insert.group(2).split(",")):
            if _PLACEHOLDER.fullmatch(value.strip()):
                named_by_insert[offset + len(value) - len(value.lstrip())] = column
            offset += len(value) + 1
    table = _TABLE.search(text)
    person_id = _PEOPLE.get(table.group(1).lower()) if table else None
    names: list[str | None] = []
    for m in _PLACEHOLDER.finditer(text):
        name = m.group("named") or m.group("colon") or named_by_insert.get(m.start())
        if name is None:
            compared = _COMPARED.search(text, max(0, m.start() - 80), m.start())
            name = compared.group(1).strip("\"`").rpartition(".")[2] if compared else None
        names.append(person_id if name == "id" and person_id else name)
    return tuple(names)


def breadcrumb_params(event: dict) -> dict[int, tuple[str | None, ...]]:
    """For each query breadcrumb's ``data["db.params"]`` list (by ``id``), its columns."""
    crumbs = event.get("breadcrumbs")
    crumbs = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    found: dict[int, tuple[str | None, ...]] = {}
    for crumb in crumbs if isinstance(crumbs, list) else ():
        if isinstance(crumb, dict) and isinstance(crumb.get("message"), str) and isinstance(crumb.get("data"), dict):
            params = crumb["data"].get("db.params")
            if isinstance(params, list) and params:
                found[id(params)] = param_columns(crumb["message"])
    return found


_FORMAT = re.compile(r"%[sdrif]|\{\d*\}")


_NAMED_FORMAT = re.compile(r"%\(([^()]{1,64})\)[sdrif]|\{([A-Za-z_]\w{0,63})\}")


def fill_template(template: str, params: list | dict) -> str | None:
    """The message as it would be formatted: a list fills ``%s``/``%d`` and ``{}``/``{0}``
    placeholders in order, a mapping ``%(name)s`` and ``{name}`` ones by name (Python logging
    with a dict, structlog, .NET and Serilog templates). None when they do not pair up."""
    if len(template) > _MAX_TEXT or not params:
        return None
    if isinstance(params, dict):
        names = [a or b for a, b in _NAMED_FORMAT.findall(template)]
        if not names or any(name not in params for name in names):
            return None
        return _NAMED_FORMAT.sub(lambda m: str(params[m.group(1) or m.group(2)]), template)
    if len(_FORMAT.findall(template)) != len(params):
        return None
    values = iter(params)
    return _FORMAT.sub(lambda m: str(next(values)), template)


# Database and validation errors that quote a value next to the column or field it was for.
_PG_KEY = re.compile(r"Key \((?P<columns>[\w\", ]{1,500})\)=\((?P<values>[^\n]{0,2000}?)\) (?:already exists|is not present"
                     r"|conflicts with)")
_MYSQL_DUPLICATE = re.compile(r"Duplicate entry '(?P<value>[^'\n]{1,500})' for key '(?:[\w$]+\.)?(?P<column>[\w$]{1,128})'")
_PYDANTIC = re.compile(r"(?m)^(?P<column>[A-Za-z_][\w.]{0,127})\n[ \t]+[^\n]{0,500}?\[type=[\w.]+, "
                       r"input_value=(?P<value>'[^'\n]{0,500}'|\"[^\"\n]{0,500}\"|[^,\]\n]{1,500})")
COLUMN_CUES = ("Key (", "Duplicate entry", "input_value=")  # a text without one quotes no columns


def column_patterns() -> list[str]:
    """``_PG_KEY``, ``_MYSQL_DUPLICATE`` and ``_PYDANTIC``, for the compiled core, which reads an
    ASCII text's columns as ``column_values`` does (``core/src/columns.rs``)."""
    return [pattern.pattern for pattern in (_PG_KEY, _MYSQL_DUPLICATE, _PYDANTIC)]


def column_values(text: str) -> list[tuple[str, str]]:
    """(column, value) pairs an error message quotes: PostgreSQL's ``Key (username, email)=(jdoe,
    j@x.org) already exists``, MySQL's ``Duplicate entry 'jdoe' for key 'users.username'``,
    pydantic's field line followed by ``[type=..., input_value='Jane', ...]``."""
    if len(text) > _MAX_TEXT or not any(map(text.__contains__, COLUMN_CUES)):
        return []
    pairs = []
    for m in _PG_KEY.finditer(text):
        columns = [c.strip().strip('"') for c in m.group("columns").split(",")]
        values = m.group("values").split(", ")
        if len(columns) == len(values):  # a value holding ", " makes the pairing unknowable
            pairs += zip(columns, values)
    pairs += [(m.group("column"), m.group("value")) for m in _MYSQL_DUPLICATE.finditer(text)]
    for m in _PYDANTIC.finditer(text):
        value = m.group("value")
        pairs.append((m.group("column").rpartition(".")[2], value[1:-1] if value[:1] in "'\"" else value))
    return [(column, value) for column, value in pairs if value]
