"""presidio's recognizers imported without presidio's NLP engines, and so without spaCy.

``presidio_analyzer/__init__`` imports the analyzer engine and its NLP engines, which import
spaCy, thinc and pydantic models: about 0.8 s of the start-up of every command that sanitizes,
for six pattern recognizers that use none of it (10 ms on their own). So the packages on the way
to them (``presidio_analyzer``, ``predefined_recognizers`` ...) are made without running their
``__init__``, given the few names the recognizers' modules import from them, and taken out of
``sys.modules`` again once the recognizers are loaded: a later ``import presidio_analyzer`` (the
optional NER, a user's own analyzer) runs the real ``__init__``, which finds the same modules
and classes already loaded. A presidio laid out otherwise than this expects is imported whole,
as before, after whatever the attempt loaded is forgotten.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from functools import cache

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
# The packages on the way to them, made without their __init__.
_PACKAGES = (_ROOT, _PREDEFINED, f"{_PREDEFINED}.generic", f"{_PREDEFINED}.country_specific",
             f"{_PREDEFINED}.country_specific.us")
# What the recognizers' modules import from the root package, in the order its __init__ imports it
# (each module imports the ones before it): (module, name).
_ROOT_NAMES = (("analysis_explanation", "AnalysisExplanation"), ("recognizer_result", "RecognizerResult"),
               ("entity_recognizer", "EntityRecognizer"), ("local_recognizer", "LocalRecognizer"),
               ("pattern", "Pattern"), ("pattern_recognizer", "PatternRecognizer"))
# IbanRecognizer imports NlpArtifacts from here for an annotation; the real module imports spaCy.
_NLP_ENGINE = f"{_ROOT}.nlp_engine"
_lock = threading.Lock()


@cache
def recognizer_classes() -> dict[str, type]:
    """The presidio recognizer classes the detectors use, by entity."""
    with _lock:
        if _ROOT not in sys.modules:
            loaded = set(sys.modules)
            try:
                return _without_nlp_engines()
            except (ImportError, AttributeError):  # another layout: forget the attempt, import it whole
                for name in set(sys.modules) - loaded:
                    if name == _ROOT or name.startswith(f"{_ROOT}."):
                        del sys.modules[name]
        predefined = importlib.import_module(_PREDEFINED)
        return {entity: getattr(predefined, cls) for entity, (_, cls) in _RECOGNIZERS.items()}


def _without_nlp_engines() -> dict[str, type]:
    stubs = [*_PACKAGES, _NLP_ENGINE]
    try:
        for name in _PACKAGES:
            sys.modules[name] = _unexecuted_package(name)
        nlp_engine = sys.modules[_NLP_ENGINE] = types.ModuleType(_NLP_ENGINE)
        nlp_engine.NlpArtifacts = object  # type: ignore[attr-defined]
        root = sys.modules[_ROOT]
        for module, name in _ROOT_NAMES:
            setattr(root, name, getattr(importlib.import_module(f"{_ROOT}.{module}"), name))
        return {entity: getattr(importlib.import_module(f"{_PREDEFINED}.{module}"), cls)
                for entity, (module, cls) in _RECOGNIZERS.items()}
    finally:
        for name in stubs:
            sys.modules.pop(name, None)


def _unexecuted_package(name: str) -> types.ModuleType:
    """The package ``name`` as its finder finds it, its ``__init__`` not run (its parent is in
    ``sys.modules`` already, made the same way)."""
    parent = name.rpartition(".")[0]
    spec = importlib.machinery.PathFinder.find_spec(name, sys.modules[parent].__path__ if parent else None)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"no package {name}")
    return importlib.util.module_from_spec(spec)
