"""`concierge doctor` says whether link downloads can work here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from concierge.doctor import run_doctor
from concierge.skills.grab.checks import check_grab
from tests.support.app import test_settings as app_settings


async def test_doctor_names_the_download_tools(tmp_path: Path) -> None:
    report = await run_doctor(app_settings(tmp_path))
    [check] = [c for c in report.checks if c.name == "link downloads"]
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    assert check.ok and "yt-dlp 20" in check.detail and "gallery-dl 1." in check.detail
    assert "ffmpeg" in check.detail


async def test_missing_ffmpeg_and_bad_routes_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    ok, detail = await check_grab([])
    assert not ok and "missing: ffmpeg, ffprobe" in detail
    ok, detail = await check_grab(["example.org:wget"])
    assert not ok and "example.org:wget" in detail
