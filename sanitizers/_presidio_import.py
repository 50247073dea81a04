"""presidio's recognizers imported without compiling the patterns of the ones never used.

Importing ``presidio_analyzer`` builds every predefined recognizer's ``Pattern`` objects, and
each ``Pattern`` compiles its regex with ``regex`` only to check it is valid: 173 patterns, the
URL recognizer's four with a 1,500-way alternation of top-level domains, about 0.2 s of the
start-up of every command that sanitizes (a third of presidio's own import time). The sanitizer
compiles the few patterns it runs itself (``detectors._matcher``), where a bad one fails as it
would. So while presidio is imported, ``Pattern`` skips that check; afterwards it checks again,
for patterns anyone else builds.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_PATTERN_MODULE = "presidio_analyzer.pattern"
_CHECK = "_Pattern__validate_regex"  # Pattern.__validate_regex, name-mangled


def recognizer_classes() -> dict[str, type]:
    """The presidio recognizer classes the detectors use, by entity."""
    with _patterns_unchecked():
        from presidio_analyzer.predefined_recognizers import (
            CryptoRecognizer, EmailRecognizer, IbanRecognizer, IpRecognizer, MacAddressRecognizer,
            UsSsnRecognizer,
        )
    return {"EMAIL_ADDRESS": EmailRecognizer, "IBAN_CODE": IbanRecognizer, "IP_ADDRESS": IpRecognizer,
            "US_SSN": UsSsnRecognizer, "CRYPTO": CryptoRecognizer, "MAC_ADDRESS": MacAddressRecognizer}


@contextmanager
def _patterns_unchecked() -> Iterator[None]:
    """Within: a first import of presidio builds its ``Pattern`` objects unchecked. An import
    that already happened, or a presidio whose ``Pattern`` has no such check, is left alone."""
    if _PATTERN_MODULE in sys.modules:
        yield
        return
    finder = _UncheckedPatterns()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        if finder.restore is not None:
            finder.restore()


class _UncheckedPatterns(importlib.abc.MetaPathFinder):
    """Finds ``presidio_analyzer.pattern`` as Python would, and turns the check off as it loads."""

    def __init__(self) -> None:
        self.restore = None

    def find_spec(self, fullname: str, path, target=None):
        if fullname != _PATTERN_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            return spec
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            pattern = getattr(module, "Pattern", None)
            check = vars(pattern).get(_CHECK) if isinstance(pattern, type) else None
            if isinstance(check, staticmethod):
                setattr(pattern, _CHECK, staticmethod(lambda regex: None))
                self.restore = lambda: setattr(pattern, _CHECK, check)

        spec.loader.exec_module = exec_module
        return spec
