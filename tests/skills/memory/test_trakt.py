"""Trakt against a fake Trakt: the device flow, a refresh before expiry, one sync in each
direction (and none repeated), disconnect revoking the token, and no token in any log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from concierge.skills.memory.trakt_flows import JOB
from concierge.skills.movies.lists import TitleLists
from concierge.storage.models import CredentialRow
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer
from tests.support.memory_fixtures import memory_routes
from tests.support.trakt_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICE_CODE,
    FIRST_ACCESS,
    FIRST_REFRESH,
    NEW_ACCESS,
    NEW_REFRESH,
    USER_CODE,
    FakeTrakt,
)

TRAKT = "/trakt"
TOKENS = (FIRST_ACCESS, FIRST_REFRESH, NEW_ACCESS, NEW_REFRESH, DEVICE_CODE, CLIENT_SECRET)


@pytest.fixture
def trakt() -> FakeTrakt:
    return FakeTrakt()


@pytest.fixture
def server(trakt: FakeTrakt) -> Iterator[FixtureServer]:
    with FixtureServer({**memory_routes(), **trakt.routes(TRAKT)}) as srv:
        yield srv


@pytest.fixture
async def world(server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    settings = movies_settings(
        server,
        tmp_path,
        access_mode="open",
        trakt_client_id=CLIENT_ID,
        trakt_client_secret=SecretStr(CLIENT_SECRET),
        trakt_base_url=server.url + TRAKT,
    )
    w = await MoviesWorld.start(settings)
    try:
        yield w
    finally:
        await w.close()


async def test_connect_refresh_sync_both_ways_and_disconnect(
    world: MoviesWorld, trakt: FakeTrakt, server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = Person(world.app, 1101, "Ann")
    await ann.say("/watchlist Dune Part Two")  # made here: to be sent to Trakt
    await ann.say("/rate Dune Part One 7")

    await ann.say("/trakt")
    assert (
        f"Open https://trakt.tv/activate and enter the code {USER_CODE}" in ann.outbox.texts()[-1]
    )
    await ann.press(ann.outbox.button("I entered the code").id)
    assert "has not seen the code yet" in ann.outbox.texts()[-1]
    await ann.press(ann.outbox.button("I entered the code").id)
    assert ann.outbox.texts()[-2:] == [
        "✅ Trakt connected.",
        "Trakt sync done: 2 changes from Trakt, 3 sent to Trakt.",
    ]
    assert len(server.hits_for(f"{TRAKT}/oauth/token")) == 1  # refreshed: expired within a week
    assert trakt.access == NEW_ACCESS  # and the new token is the one the sync used

    user = await world.app.users.find("telegram", 1101)
    assert user is not None
    lists = TitleLists(world.db)
    arrival = await lists.get(user.id, "watched", "movie:329865")
    assert arrival is not None and arrival.rating == 8 and arrival.source == "trakt"
    assert await lists.get(user.id, "watchlist", "movie:335984") is not None
    assert [m["ids"]["tmdb"] for m in trakt.pushed["history"]] == [438631]
    assert [(m["ids"]["tmdb"], m["rating"]) for m in trakt.pushed["ratings"]] == [(438631, 7)]
    assert [m["ids"]["tmdb"] for m in trakt.pushed["watchlist"]] == [693134]

    assert JOB in [s.name for s in world.app.scheduler.schedules]
    await world.app.jobs.enqueue(JOB, {})
    await world.app.jobs.run_until_idle()
    assert len(trakt.pushed["history"]) == 1  # the scheduled sync sends nothing twice
    assert len(server.hits_for(f"{TRAKT}/oauth/token")) == 1  # the new token lasts months

    await ann.say("/trakt")
    await ann.press(ann.outbox.button("Disconnect").id)
    assert "token is revoked" in ann.outbox.texts()[-1]
    assert trakt.revoked == [NEW_ACCESS]
    async with world.db.session() as s:
        names = list(
            await s.scalars(select(CredentialRow.name).where(CredentialRow.user_id == user.id))
        )
    assert names == []

    logs = capsys.readouterr()
    for secret in TOKENS:
        assert secret not in logs.out + logs.err


async def test_tokens_are_encrypted_at_rest(world: MoviesWorld, trakt: FakeTrakt) -> None:
    ann = Person(world.app, 1102, "Ann")
    await ann.say("/trakt")
    await ann.press(ann.outbox.button("I entered the code").id)
    await ann.press(ann.outbox.button("I entered the code").id)
    async with world.db.session() as s:
        stored = [row.ciphertext for row in await s.scalars(select(CredentialRow))]
    assert stored and all(NEW_ACCESS not in str(v) and NEW_REFRESH not in str(v) for v in stored)


async def test_forget_me_revokes_the_trakt_token_too(world: MoviesWorld, trakt: FakeTrakt) -> None:
    ann = Person(world.app, 1103, "Ann")
    await ann.say("/trakt")
    await ann.press(ann.outbox.button("I entered the code").id)
    await ann.press(ann.outbox.button("I entered the code").id)
    await ann.say("/forget_me")
    await ann.press(ann.outbox.button("Yes, delete everything").id)
    assert trakt.revoked == [NEW_ACCESS]
    await ann.say("/trakt")
    assert f"enter the code {USER_CODE}" in ann.outbox.texts()[-1]  # nothing connected now
