"""Letterboxd: a 200-row export ZIP imported with every unmatched row named, and the
diary feed followed by a scheduled job that adds a new entry once, not on every poll."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from concierge.core.messages import Attachment, AttachmentKind, ChatRef, Inbound
from concierge.skills.memory.letterboxd_flows import POLL
from concierge.skills.movies.lists import TitleLists
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer
from tests.support.letterboxd_fixtures import (
    UNMATCHED,
    DiaryFeedFixture,
    export_zip,
    tmdb_search_films,
)
from tests.support.memory_fixtures import memory_routes
from tests.support.movie_fixtures import TMDB

LETTERBOXD = "/letterboxd"


@pytest.fixture
def feed() -> DiaryFeedFixture:
    return DiaryFeedFixture(
        [
            {
                "guid": "letterboxd-watch-1",
                "name": "Dune: Part Two",
                "year": "2024",
                "tmdb": "693134",
                "rating": "4.5",
                "date": "2024-03-02",
            },
            {"guid": "letterboxd-watch-2", "name": "Dune", "year": "2021", "date": "2024-02-20"},
        ]
    )


@pytest.fixture
def server(feed: DiaryFeedFixture) -> Iterator[FixtureServer]:
    routes = memory_routes()
    routes[f"{TMDB}/search/movie"] = tmdb_search_films()
    routes[f"{LETTERBOXD}/annwatches/rss/"] = feed.handler()
    with FixtureServer(routes) as srv:
        yield srv


@pytest.fixture
async def world(server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    settings = movies_settings(
        server,
        tmp_path,
        access_mode="open",
        letterboxd_base_url=server.url + LETTERBOXD,
        http_cache_enabled=False,
    )
    w = await MoviesWorld.start(settings)
    try:
        yield w
    finally:
        await w.close()


async def test_a_200_row_export_imports_and_names_every_unmatched_row(world: MoviesWorld) -> None:
    data, count = export_zip()
    assert count == 200
    ann = Person(world.app, 901, "Ann")

    async def fetch() -> bytes:
        return data

    document = Attachment(
        AttachmentKind.DOCUMENT,
        "doc-1",
        size=len(data),
        mime_type="application/zip",
        filename="letterboxd-annwatches-2024-05-01-12-00-utc.zip",
        fetch=fetch,
    )
    inbound = Inbound(user=ann.ref, chat=ChatRef("telegram", 901), attachments=(document,))
    await world.dispatcher.handle(inbound, ann.outbox)
    report = ann.outbox.texts()[-1]
    assert "Letterboxd import done: 200 rows, 120 films" in report
    assert "110 watched" not in report  # three of the watched rows matched nothing
    assert "107 watched, 70 ratings, 13 on the watchlist" in report
    assert "Not found on TMDB (3):" in report
    for name, year in UNMATCHED:
        assert (f"• {name} ({year})" if year else f"• {name}") in report
    user = await world.app.users.find("telegram", 901)
    assert user is not None
    counts = await TitleLists(world.db).counts(user.id)
    assert counts == {"watchlist": 13, "watched": 107, "blocked": 0, "rated": 70}

    await ann.say("/rate")
    assert "Your ratings (70)" in ann.outbox.texts()[-1]


async def test_not_an_export_is_refused_with_the_reason(world: MoviesWorld) -> None:
    ann = Person(world.app, 902, "Ann")

    async def fetch() -> bytes:
        return b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP

    document = Attachment(AttachmentKind.DOCUMENT, "doc-2", filename="holiday.zip", fetch=fetch)
    await world.dispatcher.handle(
        Inbound(user=ann.ref, chat=ChatRef("telegram", 902), attachments=(document,)), ann.outbox
    )
    assert "is not a Letterboxd export" in ann.outbox.texts()[-1]


async def test_the_feed_job_adds_a_new_diary_entry_once(
    world: MoviesWorld, feed: DiaryFeedFixture, server: FixtureServer
) -> None:
    ann = Person(world.app, 903, "Ann")
    await ann.say("/letterboxd nobody_here")
    assert "no member called nobody_here" in ann.outbox.texts()[-1]
    await ann.say("/letterboxd annwatches")
    assert "Following annwatches on Letterboxd: 2 films" in ann.outbox.texts()[-1]
    user = await world.app.users.find("telegram", 903)
    assert user is not None
    lists = TitleLists(world.db)
    dune2 = await lists.get(user.id, "watched", "movie:693134")
    assert dune2 is not None and dune2.rating == 9 and dune2.source == "letterboxd"
    assert POLL in [s.name for s in world.app.scheduler.schedules]

    async def poll() -> None:
        await world.app.jobs.enqueue(POLL, {})
        await world.app.jobs.run_until_idle()

    await poll()
    assert (await lists.counts(user.id))["watched"] == 2  # nothing new: nothing added
    feed.items.insert(
        0,
        {
            "guid": "letterboxd-watch-3",
            "name": "Interstellar",
            "year": "2014",
            "tmdb": "157336",
            "rating": "5.0",
            "date": "2024-03-09",
        },
    )
    await poll()
    await poll()
    assert (await lists.counts(user.id))["watched"] == 3
    interstellar = await lists.get(user.id, "watched", "movie:157336")
    assert interstellar is not None and interstellar.rating == 10
    details = server.hits_for(f"{TMDB}/movie/157336")
    assert len(details) == 1  # applied once: the second poll skipped the seen entry
