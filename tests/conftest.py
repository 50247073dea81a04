"""Shared fixtures: paths, the real example shop as a QA service, and the Kafka broker plugin."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.kafka_fixture"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "sentry"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kafka: needs the real Kafka broker (make kafka-up)")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Callable[..., tuple[str, Path]]]:
    """Start real example-shop processes: ``url, request_log = shop("--fixed", "amex_card")``."""
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> tuple[str, Path]:
        log = tmp_path / f"requests-{len(procs)}.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-m", "examples.shop", "--port", "0", "--role", "qa", "--request-log", str(log), *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        procs.append(proc)
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on "), f"shop did not start: {line!r}"
        return line.removeprefix("listening on "), log

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
