"""Watchlist, watched, ratings and blocklist end to end in the terminal, and "something like".

The real application (offline model) against fixture TMDB/tracker servers; the
card buttons, the commands and the offline phrases all change the same lists.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.fixture_server import FixtureServer
from tests.support.memory_fixtures import memory_routes
from tests.support.terminal import Terminal


@pytest.fixture
def taste_server() -> Iterator[FixtureServer]:
    with FixtureServer(memory_routes()) as srv:
        yield srv


@pytest.fixture
async def taste_world(taste_server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    w = await MoviesWorld.start(movies_settings(taste_server, tmp_path))
    try:
        yield w
    finally:
        await w.close()


async def test_card_buttons_fill_the_lists_and_similar_leaves_out_watched_and_blocked(
    taste_world: MoviesWorld,
) -> None:
    term = Terminal(taste_world.app)
    card = await term.say("find Dune Part Two")
    assert "＋ Watchlist" in card and "✓ Watched" in card and "★ Rate" in card
    assert "🚫 Never" in card
    added = await term.press("＋ Watchlist")
    assert "Dune: Part Two (2024) is on your watchlist" in added
    listed = await term.say("/watchlist")
    assert "Your watchlist (1)" in listed and "1. Dune: Part Two (2024)" in listed

    await term.say("find Dune Part Two")
    asked = await term.press("★ Rate")
    assert "How would you rate Dune: Part Two (2024)?" in asked
    rated = await term.press("9")
    assert "Dune: Part Two (2024): 9/10, marked watched" in rated
    watched = await term.say("/watched")
    assert "Dune: Part Two (2024) — ★ 9/10" in watched
    assert "Your watchlist is empty" in await term.say("/watchlist")  # watched leaves it

    said = await term.say("I watched Dune Part One, 8/10")
    assert "Dune (2021): 8/10, marked watched" in said
    assert "Horror is on your blocklist" in await term.say("never suggest horror")

    like = await term.say("something like Dune")
    assert "Like Dune: Part Two (2024), and new to you:" in like
    names = [line for line in like.splitlines() if line[:2] in ("1.", "2.", "3.", "4.")]
    assert names[0].startswith("1. Interstellar (2014)")  # sci-fi and adventure, both rated high
    assert "Arrival (2016)" in like and "Blade Runner 2049 (2017)" in like
    assert "The Conjuring" not in like  # a horror: the genre is blocked
    assert "Dune (2021)" not in like  # watched

    card = await term.press("Interstellar")
    assert "━━ Interstellar (2014) ━━" in card
    assert "Interstellar (2014) is on your blocklist" in await term.press("🚫 Never")
    again = await term.say("something like Dune")
    assert "Interstellar" not in again and "Arrival (2016)" in again
    blocked = await term.say("/blocklist")
    assert "Never suggested (2)" in blocked and "Interstellar (2014)" in blocked


async def test_russian_phrases_and_commands(taste_world: MoviesWorld) -> None:
    term = Terminal(taste_world.app, language="ru")
    added = await term.say("добавь Дюну в список")
    assert "Дюна: Часть вторая (2024) — в списке к просмотру" in added
    assert "1. Дюна: Часть вторая (2024)" in await term.say("покажи мой список")
    rated = await term.say("/rate Дюна 2 7")
    assert "Дюна: Часть вторая (2024): 7/10" in rated
    assert "★ 7/10" in await term.say("/rate")
    like = await term.say("посоветуй что-то похожее на Дюну")
    assert "Похоже на «Дюна: Часть вторая (2024)»" in like and "Прибытие (2016)" in like


async def test_list_pages_with_buttons(taste_world: MoviesWorld) -> None:
    from concierge.skills.movies.lists import ListEntry, TitleLists

    user = await taste_world.app.users.find("console", 1)
    assert user is not None
    lists = TitleLists(taste_world.db)
    for n in range(1, 20):
        await lists.add_to_watchlist(user.id, ListEntry(key=f"movie:{n}", title=f"Film {n}"))
    term = Terminal(taste_world.app)
    first = await term.say("/watchlist")
    assert "Your watchlist (19)" in first and "Shown 1–8 of 19" in first
    assert "Film 19" in first and "Film 11" not in first
    second = await term.press("›")
    assert "Shown 9–16 of 19" in second and "Film 11" in second
    back = await term.press("‹")
    assert "Shown 1–8 of 19" in back
    removed = await term.press("✕ 1")
    assert "Removed." in removed and "Your watchlist (18)" in removed
