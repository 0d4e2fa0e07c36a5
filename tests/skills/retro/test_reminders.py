"""Reminders at each user's local time: once a day across DST, restarts and two replicas."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from concierge.bootstrap import App
from concierge.core.messages import Text
from tests.fakes.clock import FakeClock
from tests.skills.retro.conftest import RecordingSender, retro_app
from tests.support.app import Person

MOSCOW, NEW_YORK = 11, 12
STEP = timedelta(minutes=30)


async def step(apps: list[App], clock: FakeClock, until: datetime) -> None:
    while clock.now() < until:
        clock.advance(STEP)
        for app in apps:
            await app.scheduler.tick()
        for app in apps:
            await app.jobs.run_until_idle()


async def open_app(
    stack: AsyncExitStack, tmp: Path, clock: FakeClock, sender: RecordingSender
) -> App:
    app = await stack.enter_async_context(retro_app(tmp, clock, access_mode="open"))
    app.notifier.register("telegram", sender)
    return app


def local_times(sender: RecordingSender, platform_id: int, zone: str) -> list[tuple[str, str]]:
    return [
        (
            d.at.astimezone(ZoneInfo(zone)).date().isoformat(),
            d.at.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
        )
        for d in sender.to(platform_id)
        if isinstance(d.reply, Text) and d.reply.text.startswith("Time for your daily retro")
    ]


async def test_reminders_fire_at_local_time_once_a_day_across_dst_restarts_and_replicas(
    tmp_path: Path,
) -> None:
    """New York moves its clocks on 8 March 2026; Moscow never does."""
    clock = FakeClock(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with AsyncExitStack() as stack:
        app = await open_app(stack, tmp_path, clock, sender)
        moscow, new_york = Person(app, MOSCOW), Person(app, NEW_YORK)
        await moscow.say("/timezone Moscow")
        await new_york.say("/timezone New York")
        await moscow.say("/reminder 21:30")
        assert moscow.outbox.texts()[-1] == (
            "Reminder set: every day at 21:30 (Europe/Moscow), unless that day's retro is "
            "already done."
        )
        await new_york.say("/reminder")
        await new_york.press(new_york.outbox.button("21:30").id)
        assert "(America/New_York)" in new_york.outbox.texts()[-1]
        await step([app], clock, datetime(2026, 3, 6, 17, 0, tzinfo=UTC))  # 20:00 in Moscow
        await moscow.say("/retro")
        await moscow.press(moscow.outbox.button("Finish").id)  # today's retro is done
    async with AsyncExitStack() as stack:  # a restart, then two replicas on one database
        first = await open_app(stack, tmp_path, clock, sender)
        second = await open_app(stack, tmp_path, clock, sender)
        await step([first, second], clock, datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    days = ["2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09"]
    assert local_times(sender, MOSCOW, "Europe/Moscow") == [
        (day, "21:30")
        for day in days
        if day != "2026-03-06"  # the retro was done that day
    ]
    assert local_times(sender, NEW_YORK, "America/New_York") == [(day, "21:30") for day in days]
    utc_hours = [d.at.hour for d in sender.to(NEW_YORK)]
    assert utc_hours == [2, 2, 2, 1, 1]  # 21:30 EST is 02:30 UTC, 21:30 EDT is 01:30 UTC


async def test_snooze_reminds_again_an_hour_later_once(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with AsyncExitStack() as stack:
        app = await open_app(stack, tmp_path, clock, sender)
        me = Person(app, MOSCOW, lang="ru")
        await me.say("/timezone +3")
        await me.say("/reminder 21:30")
        await step([app], clock, datetime(2026, 3, 5, 18, 30, tzinfo=UTC))
        reminder = sender.to(MOSCOW)[-1].reply
        assert isinstance(reminder, Text) and reminder.text.startswith(
            "Время для ежедневного ретро"
        )
        snooze = next(b for row in reminder.buttons for b in row if b.label == "Отложить на 1 ч")
        await me.press(snooze.id)
        await me.press(snooze.id)  # pressed twice: still one snoozed reminder
        assert me.outbox.texts()[-1] == "Напомню снова в 22:30."
        await step([app], clock, datetime(2026, 3, 5, 19, 0, tzinfo=UTC))
        assert len(sender.to(MOSCOW)) == 1
        await step([app], clock, datetime(2026, 3, 5, 19, 30, tzinfo=UTC))
        assert len(sender.to(MOSCOW)) == 2
        again = sender.to(MOSCOW)[-1].reply
        assert isinstance(again, Text)
        start = next(b for row in again.buttons for b in row if b.label == "Начать ретро")
        await me.press(start.id)
        assert "1/6" in me.outbox.texts()[-1]
        await step([app], clock, datetime(2026, 3, 5, 22, 0, tzinfo=UTC))
        reminders = [d for d in sender.to(MOSCOW) if "ретро:" in getattr(d.reply, "text", "")]
        assert len(reminders) == 2  # the retro now open is not reminded of again today
