"""Daily digests at each user's local 09:00: across DST, restarts and two apps on one
database, exactly once each; quiet hours hold one back until they end."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from concierge.bootstrap import App
from tests.fakes.clock import FakeClock
from tests.skills.digests.conftest import RecordingSender, digest_app, is_digest
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer

TOKYO, LOS_ANGELES = 21, 22
STEP = timedelta(hours=1)


async def step(apps: list[App], clock: FakeClock, until: datetime) -> None:
    while clock.now() < until:
        clock.advance(STEP)
        for app in apps:
            await app.scheduler.tick()
        for app in apps:
            await app.jobs.run_until_idle()


async def open_app(
    stack: AsyncExitStack,
    tmp: Path,
    clock: FakeClock,
    server: FixtureServer,
    sender: RecordingSender,
    database: dict[str, Any],
) -> App:
    app = await stack.enter_async_context(digest_app(tmp, clock, server, **database))
    app.notifier.register("telegram", sender)
    return app


def local_sends(sender: RecordingSender, platform_id: int, zone: str) -> list[tuple[str, str]]:
    local = [d.at.astimezone(ZoneInfo(zone)) for d in sender.to(platform_id) if is_digest(d.reply)]
    return [(at.date().isoformat(), at.strftime("%H:%M")) for at in local]


async def test_daily_digests_at_local_nine_across_dst_restarts_and_two_apps(
    tmp_path: Path, server: FixtureServer, database: dict[str, Any]
) -> None:
    """Los Angeles moves its clocks on 8 March 2026; Tokyo never does."""
    clock = FakeClock(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with AsyncExitStack() as stack:
        app = await open_app(stack, tmp_path, clock, server, sender, database)
        tokyo, la = Person(app, TOKYO), Person(app, LOS_ANGELES)
        await tokyo.say("/timezone Asia/Tokyo")
        await la.say("/timezone America/Los_Angeles")
        await tokyo.say("/digest daily 9")
        assert tokyo.outbox.texts()[-1].startswith("Digest: every day at 09:00 (Asia/Tokyo).")
        await la.say("/digest")
        await la.press(la.outbox.button("Daily").id)
        assert la.outbox.texts()[-1].startswith("Digest: every day at 09:00 (America/Los_Angeles).")
        await step([app], clock, datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    async with AsyncExitStack() as stack:  # a restart, then two apps on one database
        first = await open_app(stack, tmp_path, clock, server, sender, database)
        second = await open_app(stack, tmp_path, clock, server, sender, database)
        await step([first, second], clock, datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    days = ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]
    assert local_sends(sender, TOKYO, "Asia/Tokyo") == [(day, "09:00") for day in days]
    assert local_sends(sender, LOS_ANGELES, "America/Los_Angeles") == [
        (day, "09:00") for day in ["2026-03-06", *days[:-1]]
    ]
    utc_hours = [d.at.hour for d in sender.to(LOS_ANGELES)]
    assert utc_hours == [17, 17, 16, 16]  # 09:00 PST is 17:00 UTC, 09:00 PDT is 16:00 UTC
