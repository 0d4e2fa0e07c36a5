"""`printf 'find …' | concierge chat` as a real process, sources on local fixture servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import APIBAY, KINOPOISK, OMDB, TMDB, TORAPI


def chat(server: FixtureServer, tmp_path: Path, stdin: str, lang: str) -> str:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    env.update(
        LANG=lang,
        CONCIERGE_DATA_DIR=str(tmp_path),
        LOG_FORMAT="json",
        TMDB_API_KEY="tmdb-v3-key",
        TMDB_BASE_URL=server.url + TMDB,
        OMDB_API_KEY="omdb-key",
        OMDB_BASE_URL=server.url + OMDB,
        KINOPOISK_API_KEY="kp-key",
        KINOPOISK_BASE_URL=server.url + KINOPOISK,
        TORAPI_BASE_URL=server.url + TORAPI,
        APIBAY_BASE_URL=server.url + APIBAY,
        TORRENT_SOURCES="torapi,apibay",
    )
    result = subprocess.run(
        [sys.executable, "-m", "concierge", "chat"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_find_prints_card_ratings_picks_and_a_working_magnet(
    server: FixtureServer, tmp_path: Path
) -> None:
    first = chat(server, tmp_path, "find Dune Part Two 2160p\n", "en_US.UTF-8")
    assert "━━ Dune: Part Two (2024) ━━" in first
    assert "IMDb 8.5" in first and "RT 92%" in first
    for role in ("Recommended", "Fastest", "Smallest"):
        assert role in first
    magnet = re.search(r"\[(\d+)\] 🧲 Magnet", first)
    assert magnet is not None
    pressed = chat(
        server, tmp_path, f"find Dune Part Two 2160p\n{magnet.group(1)}\n", "en_US.UTF-8"
    )
    assert "magnet:?xt=urn:btih:" in pressed.split("find Dune")[-1]


def test_russian_request_finds_the_same_film(server: FixtureServer, tmp_path: Path) -> None:
    out = chat(server, tmp_path, "найди Дюну 2 в 4K\n", "ru_RU.UTF-8")
    assert "Дюна: Часть вторая" in out and "Kinopoisk 8.3" in out
    assert "Рекомендую" in out and "magnet" not in out.lower().split("рекомендую")[0]
