"""Many users, several apps: one search per title per run, one push per match.

Two apps on one Postgres database (embedded jobs, as two replicas) tick the same
schedule side by side; thirty users watching one title cost one tracker search a run.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

from concierge.bootstrap import App, build_app
from concierge.core.messages import Card, MessageHandle, Reply, Text
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from tests.conftest import _truncate
from tests.fakes.clock import FakeClock
from tests.skills.monitors.support import Board, rutor, searches, settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer

UHD = "Dune: Part Three (2026) UHD WEB-DL 2160p | HDR | D | Лицензия"
USERS = 30


class Sender:
    """The platform side of pushes: who got which card."""

    def __init__(self) -> None:
        self.cards: list[tuple[int, str]] = []

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        title = reply.title if isinstance(reply, Card) else getattr(reply, "text", "")
        self.cards.append((platform_user_id, title))
        return MessageHandle("telegram", platform_user_id, (len(self.cards),))

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        return True

    def pushes(self) -> Counter[int]:
        return Counter(user for user, title in self.cards if title.startswith("🔔"))


async def step_all(apps: list[App], clock: FakeClock, hours: int) -> None:
    """``hours`` one-hour steps; at each, the apps tick and run their jobs at the same time."""
    for _ in range(hours):
        clock.advance(timedelta(hours=1))
        await asyncio.gather(*(app.scheduler.tick() for app in apps))
        for _ in range(3):
            runs = []
            for app in apps:
                assert isinstance(app.jobs, EmbeddedJobs)
                runs.append(app.jobs.run_until_idle())
            await asyncio.gather(*runs)
            clock.advance(timedelta(seconds=5))


async def test_two_apps_on_one_postgres_push_each_match_exactly_once(
    server: FixtureServer, board: Board, clock: FakeClock, tmp_path: Path, postgres_url: str
) -> None:
    db = Database(postgres_url)
    try:
        await _truncate(db)
    finally:
        await db.close()
    sender = Sender()
    shared = {"database_url": postgres_url, "jobs_backend": "embedded"}
    async with AsyncExitStack() as stack:
        apps = []
        for name in ("a", "b"):
            app = await build_app(settings(server, tmp_path / name, **shared), clock=clock)
            stack.push_async_callback(app.close)
            app.notifier.register("telegram", sender)
            apps.append(app)
        people = [Person(apps[n % 2], 800 + n) for n in range(6)]
        for person in people:
            await person.say("/monitor Dune Part Three 4K")
        await step_all(apps, clock, 30)
        board.releases = [rutor(UHD, board=board, gb=48.5, seeds=120)]
        await step_all(apps, clock, 60)
    assert sender.pushes() == Counter({800 + n: 1 for n in range(6)})


async def test_thirty_users_watching_one_title_cost_one_search_per_run(
    server: FixtureServer, board: Board, clock: FakeClock, tmp_path: Path
) -> None:
    sender = Sender()
    app = await build_app(settings(server, tmp_path), clock=clock)
    try:
        app.notifier.register("telegram", sender)
        for n in range(USERS):
            await Person(app, 900 + n).say("/monitor Dune Part Three 4K")
        await step_all([app], clock, 1)
        assert searches(server) == 1  # the first run: one search for all thirty
        await step_all([app], clock, 30)
        assert searches(server) == 2  # a day later (17 days before release): one more
        board.releases = [rutor(UHD, board=board, gb=48.5, seeds=120)]
        await step_all([app], clock, 30)
        assert searches(server) == 3
        assert sender.pushes() == Counter({900 + n: 1 for n in range(USERS)})
    finally:
        await app.close()
