"""The sanitizer policy: what to detect, where, and what to do with it, as readable YAML.

A policy keeps Relay's three parts apart so each can be reviewed on its own: a rule says *what*
(key names, value detectors, custom patterns), *where* (path selectors) and *how* (an action).
Paths under ``safe_paths`` are technical: no detector looks at them (a value found elsewhere in
the event is still replaced there). The policy is versioned by the hash
of its content, which the report and the audit trail record.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sanitizers._cache import remember
from sanitizers.errors import PolicyError
from sanitizers.selectors import compile_selectors

__all__ = ["ACTIONS", "ENTITIES", "NerConfig", "Policy", "Rule", "default_policy", "load_policy", "load_yaml",
           "normalize_key"]

ACTIONS = ("fake", "mask", "hash", "redact", "remove", "keep")

#: Entities the fakers know; each is also a value detector name except the key-only ones.
ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN",
    "MAC_ADDRESS", "CRYPTO", "URL_CREDENTIALS", "JWT", "PEM_KEY", "API_KEY", "PERSON", "ADDRESS",
    "SECRET", "AUTHORIZATION", "COOKIE", "USERNAME", "USER_ID", "DATE_OF_BIRTH", "GENERIC",
)
DETECTORS = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN",
    "MAC_ADDRESS", "CRYPTO", "URL_CREDENTIALS", "JWT", "PEM_KEY", "API_KEY", "PERSON", "ADDRESS",
    "SECRET_ASSIGNMENT", "USERNAME", "PHONE_VALUE", "DATE_OF_BIRTH", "USER_ID", "NATIONAL_ID",
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s.\-]+")
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")


def normalize_key(key: str) -> str:
    """``X-Auth-Token``, ``authToken``, ``auth.token`` and ``auth[token]`` (Rails, PHP and Symfony
    form fields) all become ``x_auth_token``-style; the quotes of repr'd keys (old SDKs send
    frame vars as ``{"'password'": ...}``) go. Keys recur in every event: a short one's is kept."""
    normal = _NORMAL_KEYS.get(key)
    if normal is None:
        normal = _SEPARATORS.sub("_", _CAMEL.sub("_", _BRACKETED.sub(r"_\1", key.strip("'\"")))).lower()
        if len(key) <= 256:
            remember(_NORMAL_KEYS, key, normal, 8192)
    return normal


_NORMAL_KEYS: dict[str, str] = {}


@dataclass(frozen=True)
class Rule:
    """One policy rule: detect (keys, detectors, patterns) where (selectors), then act."""

    id: str
    action: str = "fake"
    entity: str = "GENERIC"
    description: str = ""
    keys: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    where: tuple[str, ...] = ("**",)
    parents: tuple[str, ...] = ()
    beside: tuple[str, ...] = ()

    @cached_property
    def key_regex(self) -> re.Pattern[str] | None:
        """Matches a normalized key naming this rule's data, as a whole word of the key."""
        if not self.keys:
            return None
        alternatives = []
        for key in self.keys:
            k = re.escape(normalize_key(key)).replace(r"\*", "[a-z0-9_]*")
            alternatives.append(k)
        return re.compile(r"(?:^|_)(?:" + "|".join(alternatives) + r")s?(?:_|$)")

    @cached_property
    def parent_regex(self) -> re.Pattern[str] | None:
        """For keys like ``name`` that are personal only inside a person-like object."""
        return _word_regex(self.parents)

    @cached_property
    def beside_regex(self) -> re.Pattern[str] | None:
        """...or in an object that also holds one of these keys: a ``name`` beside an ``email``."""
        return _word_regex(self.beside)

    @property
    def placed(self) -> bool:
        """Whether the rule holds only in some objects (``parents`` or ``beside``)."""
        return bool(self.parents or self.beside)

    @cached_property
    def where_regex(self) -> re.Pattern[str]:
        return compile_selectors(self.where)

    @cached_property
    def compiled_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.patterns)


def _word_regex(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """Matches a normalized key holding one of ``names`` as a whole word (or its plural)."""
    if not names:
        return None
    alternatives = "|".join(re.escape(normalize_key(n)) for n in names)
    return re.compile(r"(?:^|_)(?:" + alternatives + r")s?(?:_|$)")


@dataclass(frozen=True)
class NerConfig:
    """Optional spaCy NER for person names in free text (see ``sanitizers.ner``): which model,
    which of its entity labels are people, and in which fields to run it (running a model over
    every string would be slow and would take product names for people)."""

    enabled: bool = False
    model: str = "en_core_web_sm"
    labels: tuple[str, ...] = ("PERSON",)
    fields: tuple[str, ...] = ("exception.values.*.value", "logentry", "logentry.message",
                               "logentry.formatted", "breadcrumbs.values.*.message")
    action: str = "fake"

    @cached_property
    def rule(self) -> Rule:
        """The rule names found by the model are reported under; its ``where`` is ``fields``."""
        return Rule(id="ner-names", action=self.action, entity="PERSON", where=self.fields,
                    description=f"Person names found by the spaCy model {self.model!r}.")


@dataclass(frozen=True)
class Policy:
    """A parsed, validated policy. ``hash`` identifies its exact content."""

    name: str
    rules: tuple[Rule, ...]
    safe_paths: tuple[str, ...] = ()
    source: str = "<built-in>"
    hash: str = ""
    version: int = 1
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    ner: NerConfig = NerConfig()

    @cached_property
    def safe_regex(self) -> re.Pattern[str]:
        return compile_selectors(self.safe_paths)

    @property
    def max_string_chars(self) -> int:
        """Longer strings are redacted whole, not scanned: the detectors' cost grows with length."""
        return int(self.settings.get("max_string_chars", DEFAULT_MAX_STRING_CHARS))

    @property
    def key_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.keys)

    @property
    def beside_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.keys and r.beside)

    @property
    def detector_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.detectors or r.patterns)


def default_policy() -> Policy:
    """The built-in policy, shipped as a readable file beside this module."""
    text = resources.files("sanitizers").joinpath("default_policy.yaml").read_text("utf-8")
    return parse_policy(text, source="<built-in default_policy.yaml>")


def load_policy(path: str | Path | None) -> Policy:
    """Load a policy file, or the built-in default when ``path`` is None."""
    if path is None:
        return default_policy()
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: policy is not UTF-8 text") from None
    return parse_policy(text, source=str(path))


# libyaml's parser where PyYAML was built with it (the wheels are): a tenth of the pure-Python
# parser's time, which every start-up paid for the built-in policy.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """A policy file's YAML, read as ``yaml.safe_load`` reads it."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python


def parse_policy(text: str, *, source: str) -> Policy:
    """Parse and validate policy YAML; every problem names the file and the rule."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise PolicyError(f"{source}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy is a mapping with `rules:`")
    unknown = set(data) - {"version", "name", "description", "safe_paths", "rules", "settings", "ner"}
    if unknown:
        raise PolicyError(f"{source}: unknown top-level keys: {', '.join(sorted(map(str, unknown)))}")
    rules_data = data.get("rules")
    if not isinstance(rules_data, list) or not rules_data:
        raise PolicyError(f"{source}: `rules` must be a non-empty list")
    rules, seen = [], set()
    for index, raw in enumerate(rules_data):
        rule = _parse_rule(raw, index, source)
        if rule.id in seen:
            raise PolicyError(f"{source}: rule {rule.id!r}: duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    safe = _str_list(data.get("safe_paths", []), f"{source}: safe_paths")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise PolicyError(f"{source}: `settings` must be a mapping")
    _check_settings(settings, source)
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise PolicyError(f"{source}: `version` must be a whole number (1)")
    return Policy(
        name=str(data.get("name", "unnamed")),
        rules=tuple(rules),
        safe_paths=tuple(safe),
        source=source,
        hash="sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
        version=version,
        description=str(data.get("description", "")).strip(),
        settings=settings,
        ner=_parse_ner(data.get("ner"), source),
    )


DEFAULT_MAX_STRING_CHARS = 1024 * 1024  # an event's own size limit: by default no string is too long


def _check_settings(settings: dict, source: str) -> None:
    unknown = set(settings) - {"max_string_chars"}
    if unknown:
        raise PolicyError(f"{source}: settings: unknown keys: {', '.join(sorted(map(str, unknown)))}")
    limit = settings.get("max_string_chars", DEFAULT_MAX_STRING_CHARS)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 64:
        raise PolicyError(f"{source}: settings.max_string_chars: expected a whole number of at least 64")


_RULE_KEYS = {"id", "description", "action", "entity", "keys", "detectors", "patterns", "where",
              "parents", "beside"}


def _parse_rule(raw: Any, index: int, source: str) -> Rule:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise PolicyError(f"{source}: rule #{index + 1}: a rule is a mapping with an `id`")
    rid = str(raw["id"])
    where = f"{source}: rule {rid!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown fields: {', '.join(sorted(map(str, unknown)))}")
    action = raw.get("action", "fake")
    if action not in ACTIONS:
        raise PolicyError(f"{where}: unknown action {action!r} (one of {', '.join(ACTIONS)})")
    entity = raw.get("entity", "GENERIC")
    if entity not in ENTITIES:
        raise PolicyError(f"{where}: unknown entity {entity!r}")
    detectors = _str_list(raw.get("detectors", []), f"{where}: detectors")
    for det in detectors:
        if det not in DETECTORS:
            raise PolicyError(f"{where}: unknown detector {det!r} (one of {', '.join(DETECTORS)})")
    patterns = _str_list(raw.get("patterns", []), f"{where}: patterns")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise PolicyError(f"{where}: invalid regex pattern ({exc.msg} at position {exc.pos})") from None
    keys = _str_list(raw.get("keys", []), f"{where}: keys")
    if not (keys or detectors or patterns):
        raise PolicyError(f"{where}: a rule needs `keys`, `detectors` or `patterns`")
    return Rule(
        id=rid,
        action=action,
        entity=entity,
        description=str(raw.get("description", "")).strip(),
        keys=tuple(keys),
        detectors=tuple(detectors),
        patterns=tuple(patterns),
        where=tuple(_str_list(raw.get("where", ["**"]), f"{where}: where")),
        parents=tuple(_str_list(raw.get("parents", []), f"{where}: parents")),
        beside=tuple(_str_list(raw.get("beside", []), f"{where}: beside")),
    )


_NER_KEYS = {"enabled", "model", "labels", "fields", "action"}


def _parse_ner(raw: Any, source: str) -> NerConfig:
    if raw is None:
        return NerConfig()
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: `ner` must be a mapping")
    unknown = set(raw) - _NER_KEYS
    if unknown:
        raise PolicyError(f"{source}: ner: unknown fields: {', '.join(sorted(map(str, unknown)))}")
    defaults = NerConfig()
    enabled = raw.get("enabled", defaults.enabled)
    if not isinstance(enabled, bool):
        raise PolicyError(f"{source}: ner.enabled: expected true or false")
    model = raw.get("model", defaults.model)
    if not isinstance(model, str) or not model.strip():
        raise PolicyError(f"{source}: ner.model: expected an installed package name or a pipeline path")
    action = raw.get("action", defaults.action)
    if action not in ACTIONS:
        raise PolicyError(f"{source}: ner.action: unknown action {action!r} (one of {', '.join(ACTIONS)})")
    return NerConfig(enabled=enabled, model=model.strip(), action=action,
                     labels=_ner_list(raw, "labels", defaults.labels, source),
                     fields=_ner_list(raw, "fields", defaults.fields, source))


def _ner_list(raw: dict, key: str, default: tuple[str, ...], source: str) -> tuple[str, ...]:
    values = tuple(_str_list(raw.get(key, list(default)), f"{source}: ner.{key}"))
    if not values:
        raise PolicyError(f"{source}: ner.{key}: expected at least one entry")
    return values


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}: expected a list of strings")
    return value
