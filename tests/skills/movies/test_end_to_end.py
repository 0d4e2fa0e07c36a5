"""The movies skill end to end: terminal chat → dispatcher → offline model → tools →
adapters → local fixture servers, and back as the text a person reads."""

from __future__ import annotations

import re
from pathlib import Path

from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.fixture_server import FixtureServer, hang
from tests.support.movie_fixtures import APIBAY, TMDB, TORAPI

DUNE_HASH = "bf7506c7ae484b2bf0941ad209009b1b3bd90704"  # on RuTor and PirateBay


def network_calls(server: FixtureServer) -> int:
    return len(server.hits)


async def test_find_in_english_prints_card_ratings_and_three_picks(
    world: MoviesWorld, server: FixtureServer
) -> None:
    out = await world.chat(["find Dune Part Two 2160p"])
    assert "━━ Dune: Part Two (2024) ━━" in out
    assert "TMDB 8.2 · IMDb 8.5 · RT 92% · Metacritic 79" in out
    assert "Kinopoisk" not in out  # the Kinopoisk rating is for Russian speakers
    assert "Director: Denis Villeneuve" in out
    assert "Starring: Timothée Chalamet, Zendaya" in out
    for role in ("1. Recommended", "2. Fastest", "3. Smallest"):
        assert role in out
    assert "1. Recommended: 2160p" in out
    picks = out.split("Best picks:")[1]
    assert "1080p" not in picks.split("Did not answer")[0].split("Shown")[0]
    assert "Magnet" in out
    assert "Did not answer" not in out


async def test_magnet_button_gives_the_magnet(world: MoviesWorld) -> None:
    out = await world.chat(["find Dune Part Two 2160p"])
    magnet_number = re.search(r"\[(\d+)\] 🧲 Magnet", out)
    assert magnet_number is not None
    pressed = await world.chat(["find Dune Part Two 2160p", magnet_number.group(1)])
    assert re.search(r"magnet:\?xt=urn:btih:[0-9a-fA-F]{40}", pressed.split("🧲 Magnet")[-1])


async def test_russian_request_with_inflection(world: MoviesWorld, server: FixtureServer) -> None:
    out = await world.chat(["найди Дюну 2 в 4K"], language="ru")
    searched = [h.query["query"] for h in server.hits_for(f"{TMDB}/search/movie")] + [
        h.query["query"] for h in server.hits_for(f"{TMDB}/search/multi")
    ]
    assert searched[:2] == ["Дюну 2", "Дюна 2"]
    assert "━━ Дюна: Часть вторая (2024) ━━" in out
    assert "_Dune: Part Two_" in out
    assert "Kinopoisk 8.3" in out
    assert "Режиссёр: Denis Villeneuve" in out
    assert (
        "1. Рекомендую: 2160p" in out and "2. Быстрее всего" in out and "3. Компактнее всего" in out
    )
    # A Russian speaker gets the dubbed 4K first.
    recommended = out.split("1. Рекомендую")[1].split("2. Быстрее всего")[0]
    badges = next(line for line in recommended.splitlines() if line.startswith("🏷"))
    assert "2160p" in badges and "Dub" in badges


async def test_second_identical_search_makes_no_network_call(
    world: MoviesWorld, server: FixtureServer
) -> None:
    first = await world.chat(["find Dune Part Two 2160p"])
    calls = network_calls(server)
    second = await world.chat(["find Dune Part Two 2160p"])
    assert network_calls(server) == calls
    assert first.count("Recommended") == second.count("Recommended") == 1


async def test_same_info_hash_from_two_trackers_appears_once(
    world: MoviesWorld, server: FixtureServer
) -> None:
    out = await world.chat(["find Dune Part Two 2160p"])
    flux = [
        line
        for line in out.splitlines()
        if line == "Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-FLUX"
    ]
    assert len(flux) <= 1
    from concierge.skills.movies.store import LastResults

    loaded = await LastResults(world.db).load(1)
    assert loaded is not None
    hashes = [item["info_hash"] for item in loaded[2] if item["info_hash"]]
    assert hashes.count(DUNE_HASH) == 1
    merged = next(item for item in loaded[2] if item["info_hash"] == DUNE_HASH)
    assert set(merged["tracker"].split(", ")) == {"RuTor", "PirateBay"}
    assert merged["seeders"] == 410


async def test_hanging_source_is_cut_named_and_the_rest_arrive(
    server: FixtureServer, tmp_path: Path
) -> None:
    server.route(f"{APIBAY}/q.php", hang(20))
    w = await MoviesWorld.start(movies_settings(server, tmp_path, source_deadline_seconds=0.8))
    try:
        out = await w.chat(["find Dune Part Two 2160p"])
    finally:
        await w.close()
    assert "Did not answer: apibay (too slow)." in out
    assert "1. Recommended: 2160p" in out  # TorAPI's results still arrived


async def test_pick_from_last_list_survives_restart(server: FixtureServer, tmp_path: Path) -> None:
    settings = movies_settings(server, tmp_path)
    first = await MoviesWorld.start(settings)
    try:
        await first.chat(["find Dune Part Two 2160p"])
    finally:
        await first.close()
    again = await MoviesWorld.start(settings)
    try:
        out = await again.chat(["download 2"])
        ru = await again.chat(["скачай 9"], language="ru")
    finally:
        await again.close()
    assert "2. " in out and re.search(r"magnet:\?xt=urn:btih:", out)
    assert "Выберите номер от 1 до" in ru


async def test_deep_link_opens_the_card(world: MoviesWorld) -> None:
    out = await world.chat(["/start m_693134"])
    assert "━━ Dune: Part Two (2024) ━━" in out


async def test_tmdb_down_still_searches_torrents_by_name(
    server: FixtureServer, tmp_path: Path
) -> None:
    server.route(f"{TMDB}/search/multi", hang(20))
    server.route(f"{TMDB}/search/movie", hang(20))
    w = await MoviesWorld.start(
        movies_settings(server, tmp_path, tmdb_base_url="http://127.0.0.1:9" + TMDB)
    )
    try:
        out = await w.chat(["find Dune Part Two 2160p"])
    finally:
        await w.close()
    assert "The film database did not answer (unavailable)" in out
    assert "1. Recommended" in out
    assert server.hits_for(f"{TORAPI}/api/search/title/all")[-1].query["query"] == "Dune Part Two"


async def test_help_lists_find_in_one_clean_line(world: MoviesWorld) -> None:
    """Regression: the line read "/find — <title> [year] [quality] — find a film…"."""
    en = await world.chat(["/help"])
    ru = await world.chat(["/help"], language="ru")
    assert "/find — find a film or series and its best torrents (title, year, quality)" in en
    assert "/find — найти фильм или сериал и лучшие раздачи (название, год, качество)" in ru
    for shown in (en, ru):
        find = next(line for line in shown.splitlines() if line.startswith("/find"))
        assert find.count(" — ") == 1 and "<" not in find
