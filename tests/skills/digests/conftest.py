"""The real application on a fake clock, with TMDB and feeds answered by a local server.

``digest_app`` builds it like production (bootstrap) with TMDB at the fixture server,
two feeds on loopback (allowed here), and the HTTP cache off, so every request the
digest's own shared cache saves is visible on the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from concierge.bootstrap import App, build_app
from concierge.core.messages import Button, MessageHandle, Reply, Text
from concierge.core.notify import DeliveryFailed
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.movies.lists import ListEntry, TitleLists
from tests.fakes.clock import FakeClock
from tests.skills.digests.fixtures import ATOM, NEWS, TMDB, digest_server
from tests.skills.retro.conftest import RecordingSender, database  # noqa: F401 - fixture
from tests.support.app import Person, test_settings
from tests.support.fixture_server import FixtureServer


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with digest_server() as running:
        yield running


def digest_settings(tmp_path: Path, server: FixtureServer, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "access_mode": "open",
        "tmdb_api_key": "test-key",
        "tmdb_base_url": server.url + TMDB,
        "digest_feeds": [server.url + NEWS, server.url + ATOM],
        "digest_feeds_allow_private": True,
        "http_cache_enabled": False,
    }
    values.update(overrides)
    return values


@asynccontextmanager
async def digest_app(
    tmp_path: Path, clock: FakeClock, server: FixtureServer, **overrides: Any
) -> AsyncIterator[App]:
    settings = test_settings(tmp_path, **digest_settings(tmp_path, server, **overrides))
    app = await build_app(settings, clock=clock)
    try:
        yield app
    finally:
        await app.close()


async def user_id(person: Person) -> int:
    found = await person.app.users.find(person.ref.platform, person.ref.id)
    assert found is not None, "the person has not written yet"
    return found.id


async def set_taste(
    person: Person,
    *,
    genres: Sequence[str] = (),
    watched: Sequence[ListEntry] = (),
    blocked: Sequence[ListEntry] = (),
) -> None:
    """What onboarding, ratings and /block would have stored (memory and movies skills)."""
    uid = await user_id(person)
    await ProfileStore(person.app.db).update(uid, genres=list(genres), onboarding="done")
    lists = TitleLists(person.app.db)
    for entry in watched:
        await lists.mark_watched(uid, entry)
    for entry in blocked:
        await lists.block(uid, entry)


SCI_FI_FAN = {
    "genres": ["scifi"],
    "watched": [
        ListEntry(
            key="movie:438631",
            title="Dune",
            year=2021,
            genres=("scifi", "adventure"),
            people=("Denis Villeneuve", "Timothée Chalamet"),
            rating=9,
            watched_on=date(2026, 1, 2),
        ),
        ListEntry(key="movie:9004", title="Laugh Track", genres=("comedy",), rating=4),
    ],
    "blocked": [
        ListEntry(key="movie:9007", title="The Long Heist"),
        ListEntry(key="person:777", title="Gary Blocklan"),
        ListEntry(key="genre:horror", title="horror"),
    ],
}


def is_digest(reply: Reply) -> bool:
    head = reply.text.split("\n", 1)[0].lower() if isinstance(reply, Text) else ""
    return "digest" in head or "дайджест" in head


def digests_to(sender: RecordingSender, platform_id: int) -> list[Text]:
    return [
        d.reply for d in sender.to(platform_id) if isinstance(d.reply, Text) and is_digest(d.reply)
    ]


def button(reply: Reply, label: str) -> Button:
    assert isinstance(reply, Text)
    for row in reply.buttons:
        for found in row:
            if found.label == label:
                return found
    raise AssertionError(f"no button {label!r} in {[b.label for r in reply.buttons for b in r]}")


class FlakySender(RecordingSender):
    """Refuses the first ``failures`` sends, as a platform outage would."""

    def __init__(self, clock: FakeClock, failures: int) -> None:
        super().__init__(clock)
        self.failures = failures
        self.refused = 0

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        if self.refused < self.failures:
            self.refused += 1
            raise DeliveryFailed("the platform did not answer")
        return await super().send_to_user(platform_user_id, reply)
