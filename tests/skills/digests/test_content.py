"""What a digest holds: monitor matches and followed series first, a source that fails left
out and named, a feed the URL guard refuses never fetched, the weekly's longer list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from concierge import bootstrap
from concierge.adapters import digest_assembly
from concierge.core.messages import unescape_literal
from tests.fakes.clock import FakeClock
from tests.skills.digests.conftest import (
    SCI_FI_FAN,
    RecordingSender,
    digest_app,
    digests_to,
    set_taste,
    user_id,
)
from tests.skills.digests.fixtures import TMDB
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer, json_response

ME = 61
NOW = datetime(2026, 3, 7, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Match:
    """A monitors-skill row as the digest sees it (``MatchLike``)."""

    title: str
    year: int | None
    quality: str
    release_name: str
    found_at: datetime
    tmdb_id: int
    kind: str


class Matches:
    def __init__(self, rows: dict[int, list[Match]]) -> None:
        self.rows = rows
        self.asked: list[tuple[int, datetime]] = []

    async def matches_since(self, user_id: int, since: datetime) -> Sequence[Match]:
        self.asked.append((user_id, since))
        return [m for m in self.rows.get(user_id, []) if m.found_at >= since]


async def run_to_nine(app: bootstrap.App, clock: FakeClock) -> None:
    for _ in range(2):
        clock.advance(timedelta(hours=1))
        await app.scheduler.tick()
        await app.jobs.run_until_idle()


async def test_monitor_matches_and_followed_series_lead_the_digest(
    tmp_path: Path, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    matches = Matches({})

    def with_matches(settings: Any, core: Any, http: Any, **_wired: Any) -> Any:
        return digest_assembly.digest_deps(settings, core, http, matches=matches)

    monkeypatch.setattr(bootstrap, "digest_deps", with_matches)
    clock = FakeClock(NOW)
    sender = RecordingSender(clock)
    async with digest_app(tmp_path, clock, server) as app:
        app.notifier.register("telegram", sender)
        me = Person(app, ME)
        await me.say("/digest daily 9")
        await set_taste(me, **SCI_FI_FAN)  # type: ignore[arg-type]
        uid = await user_id(me)
        matches.rows[uid] = [
            Match("Dune: Part Two", 2024, "2160p", "Dune.Part.Two.2024.2160p.WEB-DL.[x]",
                  NOW - timedelta(hours=3), 693134, "movie"),
            Match("Severance", 2022, "1080p", "Severance.S02E05.1080p.WEB",
                  NOW - timedelta(hours=2), 95396, "episode"),
            Match("Old Find", 2020, "720p", "Old.Find.2020.720p", NOW - timedelta(days=3), 1, "movie"),
        ]  # fmt: skip
        await run_to_nine(app, clock)
    (digest,) = digests_to(sender, ME)
    lines = unescape_literal(digest.text).splitlines()
    assert lines[2:4] == [
        "1. 🎯 *Dune: Part Two (2024)* — found: 2160p · Dune.Part.Two.2024.2160p.WEB-DL.[x]",
        "2. 📺 *Severance (2022)* — new episode found: 1080p · Severance.S02E05.1080p.WEB",
    ]
    assert "Old Find" not in digest.text  # found before the last day
    assert "\\[x\\]" in digest.text  # outside text is escaped
    assert matches.asked == [(uid, NOW + timedelta(hours=1) - timedelta(days=1))]
    assert [b.label for b in digest.buttons[0]] == ["👎 3", "👎 4", "👎 5"]  # matches: none


async def test_a_failing_source_is_named_and_a_refused_feed_is_never_fetched(
    tmp_path: Path, server: FixtureServer
) -> None:
    server.route(f"{TMDB}/movie/now_playing", json_response({"status_code": 11}, status=500))
    clock = FakeClock(NOW)
    sender = RecordingSender(clock)
    metadata = "http://169.254.169.254/latest/feed.xml"
    feeds = [server.url + "/feeds/news.xml", metadata]
    async with digest_app(tmp_path, clock, server, digest_feeds=feeds) as app:
        app.notifier.register("telegram", sender)
        me = Person(app, ME, lang="ru")
        await me.say("/digest daily 9")
        await run_to_nine(app, clock)
    (digest,) = digests_to(sender, ME)
    text = unescape_literal(digest.text)
    assert text.splitlines()[0] == "☀️ *Ваш дайджест дня* · 2026-03-07"
    assert "📰 [Box office: a quiet weekend & a surprise]" in text  # the feed still came
    assert "Звёздный протокол" not in text  # now playing did not answer …
    assert "🎬 *Орбита пепла (2026)* — в кино с 12.03" in text  # … the coming films did
    assert text.endswith(
        "В этот раз без (источник не ответил): TMDB, 169.254.169.254.\n\n"
        "👎 N: меньше похожего на пункт N."
    )
    assert len(server.hits_for(f"{TMDB}/movie/now_playing")) == 3  # two retries, then given up


async def test_asking_in_words_shows_todays_digest_with_the_offline_model(
    tmp_path: Path, server: FixtureServer
) -> None:
    async with digest_app(tmp_path, FakeClock(NOW), server) as app:
        ann, ivan = Person(app, ME), Person(app, ME + 1, lang="ru")
        await ann.say("what's new for me?")
        await ivan.say("что нового для меня?")
    assert any(t.startswith("✨ *What is new for you* · 2026-03-07") for t in ann.outbox.texts())
    assert any(t.startswith("✨ *Что нового для вас* · 2026-03-07") for t in ivan.outbox.texts())
