"""Each atheris fuzz target (fuzz/targets.py) survives a short, seeded libFuzzer run: the same
harness one runs by hand for hours, here for a fixed number of inputs so CI stays fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.targets import TARGETS

pytest.importorskip("atheris")

ROOT = Path(__file__).resolve().parent.parent
RUNS = 500


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_target_survives_a_seeded_run(name: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "fuzz", name, f"-runs={RUNS}", "-seed=1", "-timeout=20",
                           f"-artifact_prefix={tmp_path}/", str(tmp_path / "corpus")], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Done {RUNS} runs" in done.stderr
