"""Shared requests are fetched once per run for every user, not once per user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.clock import FakeClock
from tests.skills.digests.conftest import (
    SCI_FI_FAN,
    RecordingSender,
    digest_app,
    digests_to,
    set_taste,
)
from tests.skills.digests.fixtures import ATOM, NEWS, TMDB, VILLENEUVE
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer

USERS = 12


async def test_twelve_users_digests_make_each_tmdb_and_feed_request_once_per_language(
    tmp_path: Path, server: FixtureServer
) -> None:
    clock = FakeClock(datetime(2026, 3, 7, 8, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with digest_app(tmp_path, clock, server) as app:
        app.notifier.register("telegram", sender)
        people = [Person(app, 500 + n, lang="ru" if n % 3 == 0 else "en") for n in range(USERS)]
        for person in people:
            await person.say("/digest daily 9")
            await set_taste(person, **SCI_FI_FAN)  # type: ignore[arg-type]
        for _ in range(2):  # 09:00 and 10:00: the second hour is still within the cache
            clock.advance(timedelta(hours=1))
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
    assert [len(digests_to(sender, p.ref.id)) for p in people] == [1] * USERS

    def hits(path: str) -> list[str]:
        return sorted(h.query.get("language", "") for h in server.hits_for(path))

    assert hits(f"{TMDB}/movie/now_playing") == ["en-US", "ru-RU"]
    assert hits(f"{TMDB}/movie/upcoming") == ["en-US", "ru-RU"]
    assert hits(f"{TMDB}/discover/movie") == ["en-US", "ru-RU"]
    assert hits(f"{TMDB}/person/{VILLENEUVE}/movie_credits") == ["en-US", "ru-RU"]
    assert len(server.hits_for(f"{TMDB}/search/person")) == 2  # Villeneuve, Chalamet
    assert len(server.hits_for(NEWS)) == 1 and len(server.hits_for(ATOM)) == 1
