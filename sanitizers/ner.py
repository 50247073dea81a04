"""Optional spaCy NER for person names in free text, when the policy enables it and a model is installed.

The built-in name detection (``sanitizers.names``) needs a cue: a known first name, a title, a
greeting. A trained model also finds the names that come without one ("refund for Anneliese
Brandt declined"). spaCy is never a requirement: it is imported only when the policy enables
NER, nothing is ever downloaded, and without spaCy or the model one warning line says so and
the sanitizer goes on with its built-in detection.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from sanitizers.policy import NerConfig

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["NameModel", "load_name_model"]

_LOG = logging.getLogger(__name__)
_CACHE_LIMIT = 100_000  # distinct strings; events repeat the same messages a lot
# Components that add nothing to entities: not running them saves time on every text.
_NOT_FOR_ENTITIES = {"tagger", "parser", "lemmatizer", "attribute_ruler", "senter", "morphologizer",
                     "textcat", "textcat_multilabel"}


class NameModel:
    """A loaded spaCy pipeline that finds the entities with one of ``labels`` in texts."""

    def __init__(self, nlp: Language, labels: Sequence[str]) -> None:
        self._nlp = nlp
        self._labels = frozenset(labels)
        self._cache: dict[str, tuple[tuple[int, int], ...]] = {}
        self._lock = threading.Lock()  # a spaCy pipeline is not documented as safe across threads

    def find(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """(start, end) character spans of names in each text; each distinct text is analysed
        once, all new ones in one ``nlp.pipe`` batch. Texts longer than the model accepts are
        left to the built-in detection."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        fresh: dict[str, tuple[tuple[int, int], ...]] = {t: () for t in todo if len(t) > self._nlp.max_length}
        todo = [t for t in todo if t not in fresh]
        if todo:
            with self._lock:
                for text, doc in zip(todo, self._nlp.pipe(todo)):
                    fresh[text] = tuple((e.start_char, e.end_char) for e in doc.ents if e.label_ in self._labels)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache.update(fresh)
        return [list(fresh[t] if t in fresh else self._cache[t]) for t in texts]


@cache
def load_name_model(config: NerConfig) -> NameModel | None:
    """The policy's model, or None when NER is off or cannot run (after one warning line).

    Once per process and config: sanitizers built from one policy (``sanitizers.parallel``'s
    forked workers, a server's) share the model and its cache, and warn once."""
    if not config.enabled:
        return None
    try:
        import spacy
    except ImportError:
        return _unavailable("spaCy is not installed (pip install 'incident-replay[ner]')")
    # Transformer pipelines would otherwise reach for the Hugging Face hub; nothing is downloaded.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        nlp = spacy.load(config.model)
    except Exception as exc:  # a missing, broken or incompatible model must not stop sanitizing
        reason = (str(exc).splitlines() or [""])[0]
        return _unavailable(f"model {config.model!r} could not be loaded ({type(exc).__name__}: {reason})")
    labels = {label for pipe_labels in nlp.pipe_labels.values() for label in pipe_labels}
    if labels.isdisjoint(config.labels):
        return _unavailable(f"model {config.model!r} has no entity label {' or '.join(config.labels)} "
                            f"(its labels: {', '.join(sorted(labels)) or 'none'})")
    nlp.select_pipes(disable=[name for name in nlp.pipe_names if name in _NOT_FOR_ENTITIES])
    return NameModel(nlp, config.labels)


def _unavailable(reason: str) -> None:
    _LOG.warning("replay: warning: spaCy NER is off: %s; names in free text are found by the built-in "
                 "detection only", reason)
    return None
