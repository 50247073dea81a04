"""presidio's recognizers loaded without presidio's NLP engines, and so without spaCy.

``presidio_analyzer/__init__`` imports the analyzer engine and its NLP engines, which import
spaCy, thinc and pydantic models: about 0.8 s of the start-up of every command that sanitizes,
for six pattern recognizers that use none of it. So the packages on the way to them are made
without running their ``__init__``, the root is given the few names the recognizers' modules
import from it, and the recognizers' modules are loaded: about 0.1 s, most of it tldextract and
requests, which presidio's e-mail recognizer imports.

What this loads is the sanitizer's own copy: every ``presidio_analyzer`` module it put in
``sys.modules`` is taken out again, so a later ``import presidio_analyzer`` (the bench's naive
analyzer, a user's own) loads presidio whole and as presidio lays it out, with none of the
stand-ins made here. A presidio laid out otherwise than this expects is imported whole, as
before. While the copy loads (under the sanitizer's first-use lock, at its warm-up), another
thread importing presidio would meet the unfinished packages.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from functools import cache
from typing import NamedTuple

_ROOT = "presidio_analyzer"
_PREDEFINED = f"{_ROOT}.predefined_recognizers"
# The recognizers the detectors use, by entity: (module under predefined_recognizers, class).
_RECOGNIZERS = {
    "EMAIL_ADDRESS": ("generic.email_recognizer", "EmailRecognizer"),
    "IBAN_CODE": ("generic.iban_recognizer", "IbanRecognizer"),
    "IP_ADDRESS": ("generic.ip_recognizer", "IpRecognizer"),
    "CRYPTO": ("generic.crypto_recognizer", "CryptoRecognizer"),
    "MAC_ADDRESS": ("generic.mac_recognizer", "MacAddressRecognizer"),
    "US_SSN": ("country_specific.us.us_ssn_recognizer", "UsSsnRecognizer"),
}
# What the recognizers' modules import from the root package, in the order its __init__ imports it
# (each module imports the ones before it): (module, name).
_ROOT_NAMES = (("analysis_explanation", "AnalysisExplanation"), ("recognizer_result", "RecognizerResult"),
               ("entity_recognizer", "EntityRecognizer"), ("local_recognizer", "LocalRecognizer"),
               ("pattern", "Pattern"), ("pattern_recognizer", "PatternRecognizer"))
# IbanRecognizer imports NlpArtifacts from here for an annotation; the real module imports spaCy.
_NLP_ENGINE = f"{_ROOT}.nlp_engine"
_lock = threading.Lock()


class Presidio(NamedTuple):
    """The recognizer classes the detectors use, by entity, and the class they derive from."""

    recognizers: dict[str, type]
    pattern_recognizer: type


@cache
def presidio() -> Presidio:
    """presidio's recognizers, loaded once: the sanitizer's own copy, else presidio imported whole."""
    with _lock:
        if _ROOT not in sys.modules:
            try:
                return _without_nlp_engines()
            except Exception:  # noqa: BLE001 - another layout, whatever it breaks: import it whole
                pass
        root = importlib.import_module(_ROOT)
        predefined = importlib.import_module(_PREDEFINED)
        return Presidio({entity: getattr(predefined, cls) for entity, (_, cls) in _RECOGNIZERS.items()},
                        root.PatternRecognizer)


def _without_nlp_engines() -> Presidio:
    """The recognizers' modules loaded below packages whose ``__init__`` never runs; whatever
    ``presidio_analyzer`` module this put in ``sys.modules``, it takes out again, loaded or not."""
    loaded = set(sys.modules)
    try:
        for package in _packages():
            sys.modules[package] = _unexecuted_package(package)
        nlp_engine = sys.modules[_NLP_ENGINE] = types.ModuleType(_NLP_ENGINE)
        nlp_engine.NlpArtifacts = object  # type: ignore[attr-defined]
        root = sys.modules[_ROOT]
        for module, name in _ROOT_NAMES:
            setattr(root, name, getattr(importlib.import_module(f"{_ROOT}.{module}"), name))
        return Presidio({entity: getattr(importlib.import_module(f"{_PREDEFINED}.{module}"), cls)
                         for entity, (module, cls) in _RECOGNIZERS.items()}, root.PatternRecognizer)
    finally:
        for name in set(sys.modules) - loaded:
            if name == _ROOT or name.startswith(f"{_ROOT}."):
                del sys.modules[name]


def _packages() -> list[str]:
    """The packages on the way to the recognizers' modules, each after its parent."""
    packages = [_ROOT, _PREDEFINED]
    for module, _ in _RECOGNIZERS.values():
        parts = module.split(".")[:-1]
        packages += [f"{_PREDEFINED}.{'.'.join(parts[:i])}" for i in range(1, len(parts) + 1)]
    return list(dict.fromkeys(packages))


def _unexecuted_package(name: str) -> types.ModuleType:
    """The package ``name`` as its finder finds it, its ``__init__`` not run (its parent is in
    ``sys.modules`` already, made the same way)."""
    parent = name.rpartition(".")[0]
    spec = importlib.machinery.PathFinder.find_spec(name, sys.modules[parent].__path__ if parent else None)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"no package {name}")
    return importlib.util.module_from_spec(spec)
