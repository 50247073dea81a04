"""Shared fixtures: paths, the real example shop as a QA service, and the Kafka broker plugin."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from replay.demo import start_shop

pytest_plugins = ["tests.kafka_fixture", "tests.sentry_api_server"]

# In CI every property test draws a fixed sample, so the gate is not flaky; by hand they explore.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "sentry"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kafka: needs the real Kafka broker (make kafka-up)")


@pytest.fixture(scope="session", autouse=True)
def replay_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Result stores and audit trails of the tests (and their subprocesses) stay in a temp dir."""
    home = tmp_path_factory.mktemp("replay-home")
    previous = os.environ.get("REPLAY_HOME")
    os.environ["REPLAY_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("REPLAY_HOME", None)
    else:
        os.environ["REPLAY_HOME"] = previous


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


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., tuple[str, Any]]]:
    """``url, service = start_server(target_url, worker=True, **settings)``: `replay serve` in-process."""
    from replay.serve import ServeSettings, create_app
    from replay.target import target_from_url
    from sanitizers import Sanitizer
    from tests.sentry_api_server import serve
    from tests.test_serve import KEY, SECRET, UNREACHABLE

    stack: list[Any] = []

    def start(target_url: str = UNREACHABLE, *, worker: bool = True, **overrides: Any) -> tuple[str, Any]:
        options = {"store_path": tmp_path / "results.sqlite3", "dsn_keys": (KEY,), "webhook_secret": SECRET,
                   "sanitizer": Sanitizer(key=b"serve-test-key"), "audit_path": tmp_path / "audit.sqlite3",
                   **overrides}
        app = create_app(ServeSettings(target=target_from_url(target_url), **options))
        running = serve(app)
        url = running.__enter__()
        stack.append((running, app.state.service))
        if worker:
            app.state.service.start()
        return url, app.state.service

    yield start
    for running, service in reversed(stack):
        running.__exit__(None, None, None)
        service.close()
