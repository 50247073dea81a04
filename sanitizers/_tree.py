"""Walking a sanitized event: every string leaf, every key, with the paths selectors see.

The canonical path of a leaf uses stored-schema names (``sentry.interfaces.Http`` is ``request``,
an API ``entries`` item of type ``request`` is ``request``) and the names of pair lists
(``headers: [["Cookie", ...]]`` gives ``request.headers.Cookie``), as pass 1 does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from connectors.schema import API_ENTRY_TYPES, INTERFACE_ALIASES
from sanitizers._cache import remember
from sanitizers._core import outline as walk_outline

__all__ = ["IDENTIFIER", "dotted", "is_webhook", "outline", "rename", "regions", "spine_copy", "top_places"]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_-]*")  # no digit, no @ or dot: holds no identifier of a person
Leaf = tuple[Any, Any, tuple, tuple]


def is_webhook(doc: Any) -> bool:
    """A Sentry integration-platform webhook body (the event sits in ``data.event`` or ``data.error``)."""
    return isinstance(doc, dict) and "action" in doc and isinstance(doc.get("data"), dict)


def regions(doc: Any) -> list[Leaf]:
    """(container, index, path, canonical path) of each top-level place of a document.

    The one place that knows how a document maps onto the stored-event schema: a webhook's
    event sits in ``data.event``/``data.error``, legacy ``sentry.interfaces.*`` keys are their
    interfaces, and an API event's ``entries[i].data`` is the interface its ``type`` names.
    Built as a list, in loops (every event has some twenty places, and a generator's resumption
    each costs the interpreter a frame).
    """
    found: list[Leaf] = []
    if is_webhook(doc):
        data = doc["data"]
        for k, v in data.items():
            if k in ("event", "error") and isinstance(v, dict):
                _event_regions(v, ("data", k), found)
            else:
                found.append((data, k, ("data", k), ("webhook", k)))
        for k in doc:
            if k != "data":
                found.append((doc, k, (k,), ("webhook", k)))
    elif isinstance(doc, dict):
        _event_regions(doc, (), found)
    return found


def _event_regions(event: dict, path: tuple, found: list[Leaf]) -> None:
    for k, v in event.items():
        if k != "entries" or not isinstance(v, list):
            found.append((event, k, path + (k,), (INTERFACE_ALIASES.get(k, k),)))
            continue
        for i, entry in enumerate(v):
            if isinstance(entry, dict):
                if "data" in entry:
                    entry_canon = (API_ENTRY_TYPES.get(str(entry.get("type", "")).lower(), "entries"),)
                    found.append((entry, "data", path + (k, i, "data"), entry_canon))
            else:
                found.append((v, i, path + (k, i), ("entries",)))


def spine_copy(doc: Any) -> Any:
    """A copy of the containers :func:`regions` yields, so a walk can assign into them
    without touching the caller's document."""
    if is_webhook(doc):
        data = {k: (_event_copy(v) if k in ("event", "error") and isinstance(v, dict) else v)
                for k, v in doc["data"].items()}
        return {**doc, "data": data}
    return _event_copy(doc) if isinstance(doc, dict) else doc


def _event_copy(event: dict) -> dict:
    out = dict(event)
    if isinstance(out.get("entries"), list):
        out["entries"] = [dict(e) if isinstance(e, dict) else e for e in out["entries"]]
    return out


def top_places(doc: Any) -> tuple[list[Leaf], bool]:
    """What the compiled core's walks of a sanitized document (``outline``, ``Haystack.outline``,
    ``gate``) start from: its :func:`regions`, and whether their own keys are names that could
    hold an identifier (an event's top-level keys are; a document that is no object has none)."""
    if not isinstance(doc, dict):
        return [({"": doc}, "", (), ())], False
    return regions(doc), True


def outline(doc: Any) -> tuple[list[Leaf], list[tuple[str, tuple]]]:
    """In one walk: (container, index, path, canonical path) of every string, with the canonical
    paths pass 1 used; and (name, path of its container) of every dict key and pair name that
    could hold an identifier."""
    return walk_outline(*top_places(doc))


def rename(node: Any, replace: Callable[[str], str]) -> None:
    """Apply ``replace`` to every dict key and pair name, in place, keeping the order of keys."""
    if isinstance(node, dict):
        items = [(replace(k) if isinstance(k, str) else k, v) for k, v in node.items()]
        node.clear()
        node.update(items)
        for _, v in items:
            rename(v, replace)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                item[0] = replace(item[0])
            rename(item, replace)


_DOTTED: dict[tuple, str] = {}


def dotted(path: tuple) -> str:
    """A path as reports show it: ``request.headers.3.1``. Every change reports one, and an
    event's places recur in the next: kept, since a tuple's hash costs less than the join."""
    text = _DOTTED.get(path)
    if text is None:
        text = remember(_DOTTED, path, ".".join(map(str, path)), 8192)
    return text
