"""Measuring stick for the sanitizer: seeded corpus generator (corpus.py) and scorer (score.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["generate_corpus"]


def generate_corpus(directory: Path, events: int, seed: int) -> tuple[Path, Path]:
    """(events, truth): a corpus of ``corpus.py`` written into ``directory`` by a process of its
    own, so the measuring process holds none of the generator's memory or imports."""
    corpus, truth = directory / "corpus.jsonl", directory / "truth.json"
    subprocess.run([sys.executable, str(Path(__file__).with_name("corpus.py")), "--events", str(events),
                    "--seed", str(seed), "--out", str(corpus), "--truth", str(truth)], check=True)
    return corpus, truth
