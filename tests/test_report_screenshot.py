"""The policy HTML report, opened in headless Chromium as a person would, and screenshotted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_policy_report_renders_in_headless_chromium(tmp_path: Path, fixtures_dir: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium missing: `make test` installs it with scripts/ensure-chromium.sh")
    events = tmp_path / "events.jsonl"
    events.write_text("".join(p.read_text().replace("\n", " ") + "\n" for p in sorted((fixtures_dir / "events").glob("*.json"))))
    html = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "replay.cli", "policy", "report", "sanitizers/default_policy.yaml",
                    "--events", str(events), "--html", str(html)], check=True, capture_output=True, timeout=120,
                   cwd=Path(__file__).resolve().parent.parent)
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1800", f"--screenshot={shot}",
                    html.as_uri()], check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, "the report rendered to a real picture"
    Path(__file__).resolve().parent.parent.joinpath(".cache").mkdir(exist_ok=True)
    shutil.copy(shot, Path(__file__).resolve().parent.parent / ".cache" / "policy-report.png")
