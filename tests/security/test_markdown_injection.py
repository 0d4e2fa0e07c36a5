"""Text from trackers and metadata services shows as written, never as formatting or links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.core.messages import Card, literal, unescape_literal
from concierge.frontends.telegram.markdown import render_markdown
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer, json_response
from tests.support.movie_fixtures import APIBAY, movie_routes

HOSTILE = "[FREE 4K](https://phish.example) *Dune* Part Two 2024 2160p _x_ <b>"


def test_literal_text_renders_without_links_or_formatting() -> None:
    rendered = render_markdown(f"**Release:** {literal(HOSTILE)}")
    assert HOSTILE in rendered.text
    kinds = [e.type for e in rendered.entities]
    assert kinds == ["bold"], kinds  # only our own formatting survives
    assert unescape_literal(literal(HOSTILE)) == HOSTILE


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    routes = movie_routes()
    routes[f"{APIBAY}/q.php"] = json_response(
        [
            {
                "id": "1",
                "name": HOSTILE,
                "info_hash": "A" * 40,
                "leechers": "1",
                "seeders": "500",
                "num_files": "1",
                "size": "20000000000",
                "username": "x",
                "added": "1700000000",
                "status": "vip",
                "category": "207",
                "imdb": "tt15239678",
            }
        ]
    )
    with FixtureServer(routes) as srv:
        yield srv


async def test_a_hostile_release_name_reaches_telegram_as_plain_text(
    server: FixtureServer, tmp_path: Path
) -> None:
    world = await MoviesWorld.start(movies_settings(server, tmp_path, torrent_sources=["apibay"]))
    try:
        shown = await world.chat(["find Dune Part Two 2160p"])
        assert HOSTILE in shown  # the terminal shows it exactly
        person = Person(world.app, 1, platform="console")
        await person.say("find Dune Part Two 2160p")
        cards = [r for r in person.outbox.sent if isinstance(r, Card) and "FREE 4K" in r.body]
        assert cards, "the hostile release was not shown"
        for card in cards:
            rendered = render_markdown(card.body)
            assert HOSTILE in rendered.text
            assert all(e.type != "text_link" and e.url is None for e in rendered.entities)
    finally:
        await world.close()
