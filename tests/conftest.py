"""Shared fixtures: paths, the real example shop as a QA service, and the Kafka broker plugin."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from replay.demo import start_shop

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
        proc, url = start_shop("--role", "qa", "--request-log", str(log), *args)
        procs.append(proc)
        return url, log

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
