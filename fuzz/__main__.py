"""``python -m fuzz TARGET [libFuzzer flags] [CORPUS_DIR ...]``: fuzz one target with atheris."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["connectors", "replay", "sanitizers"]):
        from fuzz.targets import TARGETS
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz TARGET [libFuzzer flags]; targets: {', '.join(TARGETS)}")
    target = TARGETS[argv[1]]
    flags = argv[2:]

    def one_input(data: bytes) -> None:
        try:
            target.run(data)
        except target.expected:
            pass

    corpora = [flag for flag in flags if not flag.startswith("-")]
    if not corpora:
        corpora = [tempfile.mkdtemp(prefix="fuzz-corpus-")]
        flags.append(corpora[0])
    _write_seeds(Path(corpora[0]), target.seeds)
    atheris.Setup([argv[0], *flags], one_input)
    atheris.Fuzz()


def _write_seeds(corpus: Path, seeds: tuple[bytes, ...]) -> None:
    """The target's seeds join the corpus, so a short run already reaches past the first checks."""
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds):
        (corpus / f"seed-{index}").write_bytes(seed)


if __name__ == "__main__":
    main(sys.argv)
