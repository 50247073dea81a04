"""The gazetteer's cache file: the lists it serves are Faker's, a warm one spares a process the
import of Faker, and a damaged or unwritable one costs time, never correctness."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from sanitizers import gazetteer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(gazetteer.CACHE_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def built() -> dict:
    return gazetteer._build()


def test_cached_lists_are_the_ones_built_from_faker(cache_dir: Path, built: dict) -> None:
    first = gazetteer._lists.__wrapped__()  # builds and writes
    (written,) = cache_dir.glob("gazetteer-*.json")
    second = gazetteer._lists.__wrapped__()  # reads
    assert first == second == built
    assert orjson.loads(written.read_bytes()) == second
    assert "jennifer" in second["first_names"] and "straße" in second["street_words"]


def test_a_warm_cache_spares_the_faker_import(cache_dir: Path) -> None:
    script = ("import sys; from sanitizers import Sanitizer; Sanitizer(key=b'k').warm_up();"
              "print('faker' in sys.modules)")
    env = {**os.environ, gazetteer.CACHE_ENV: str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    assert runs == [["True"], ["False"]]


@pytest.mark.parametrize("content", [b"{\"first_names\": [\"ann", b"[]", b"{\"first_names\": 3}",
                                     b"{\"first_names\": [], \"last_names\": [], \"street_words\": [],"
                                     b" \"names_by_script\": {\"ascii\": [[]]}}"])
def test_a_damaged_cache_file_is_built_anew(cache_dir: Path, built: dict, content: bytes) -> None:
    path = gazetteer._cache_path()
    path.write_bytes(content)
    assert gazetteer._lists.__wrapped__() == built
    assert orjson.loads(path.read_bytes()) == built


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: dict) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv(gazetteer.CACHE_ENV, str(blocker / "cache"))
    assert gazetteer._lists.__wrapped__() == built
    assert blocker.read_text() == ""


def test_lists_of_an_older_faker_or_code_are_removed(cache_dir: Path) -> None:
    old = cache_dir / "gazetteer-0123456789abcdef.json"
    old.write_bytes(b"{}")
    gazetteer._lists.__wrapped__()
    assert [p.name for p in cache_dir.iterdir()] == [gazetteer._cache_path().name]
