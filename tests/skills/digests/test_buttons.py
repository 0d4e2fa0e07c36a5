"""Buttons on digests after a restart: *Unsubscribe* stops the next digest, *Less like
this* changes it; quiet hours hold a digest until they end; a failed push is retried."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from structlog.testing import capture_logs

from concierge.bootstrap import App
from concierge.core.messages import Text, unescape_literal
from tests.fakes.clock import FakeClock
from tests.skills.digests.conftest import (
    FlakySender,
    RecordingSender,
    button,
    digest_app,
    digests_to,
    is_digest,
    set_taste,
)
from tests.skills.digests.fixtures import later
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer

BEA, CAL, DAN = 41, 42, 43


async def run_to(app: App, clock: FakeClock, until: datetime, step: timedelta) -> None:
    while clock.now() < until:
        clock.advance(step)
        await app.scheduler.tick()
        await app.jobs.run_until_idle()


_TITLE = re.compile(r"^\d+\. \S+ [*\[](.+?)(?: \(\d{4}\))?[*\]]")


def titles(reply: Text) -> list[str]:
    """The item titles of a digest, as the user reads them."""
    lines = [unescape_literal(line) for line in reply.text.splitlines()]
    return [m.group(1) for m in map(_TITLE.match, lines) if m is not None]


async def test_unsubscribe_stops_and_less_like_this_changes_the_next_digest_after_restart(
    tmp_path: Path, server: FixtureServer
) -> None:
    clock = FakeClock(datetime(2026, 3, 7, 6, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with digest_app(tmp_path, clock, server) as app:
        app.notifier.register("telegram", sender)
        for platform_id in (BEA, CAL, DAN):
            person = Person(app, platform_id)
            await person.say("/digest daily 9")
            await set_taste(person, genres=["horror", "scifi"])
        await run_to(app, clock, datetime(2026, 3, 7, 10, 0, tzinfo=UTC), timedelta(hours=1))
    first = {p: digests_to(sender, p) for p in (BEA, CAL, DAN)}
    assert [len(d) for d in first.values()] == [1, 1, 1]
    assert titles(first[BEA][0]) == [
        "Starfall Protocol",
        "The Hollow House",
        "Signal Lost",
        "Orbit of Ash",
        "Night Teeth II",
    ]
    later(server)  # new films are announced overnight
    async with digest_app(tmp_path, clock, server) as app:  # a restart: the buttons still work
        app.notifier.register("telegram", sender)
        bea, dan = Person(app, BEA), Person(app, DAN)
        await bea.press(button(first[BEA][0], "👎 2").id)  # The Hollow House: horror
        assert bea.outbox.texts()[-1] == "Noted: less Horror in your digests from now on."
        await dan.press(button(first[DAN][0], "Unsubscribe").id)
        assert dan.outbox.texts()[-1] == "Unsubscribed: no more digests. /digest subscribes again."
        await run_to(app, clock, datetime(2026, 3, 8, 10, 0, tzinfo=UTC), timedelta(hours=1))
    second = {p: digests_to(sender, p)[1:] for p in (BEA, CAL, DAN)}
    assert second[DAN] == []  # unsubscribed
    assert titles(second[CAL][0])[0] == "Crypt Season"  # the new horror film leads …
    assert titles(second[BEA][0])[-1] == "Crypt Season"  # … but not for who wanted less horror
    assert titles(second[BEA][0])[0] == "Quiet Meadows"
    assert not set(titles(second[BEA][0])) & set(titles(first[BEA][0]))  # only what is new


async def test_a_digest_due_in_quiet_hours_waits_until_they_end(
    tmp_path: Path, server: FixtureServer
) -> None:
    clock = FakeClock(datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with digest_app(tmp_path, clock, server) as app:
        app.notifier.register("telegram", sender)
        me = Person(app, BEA)
        await me.say("/timezone Europe/Berlin")
        await me.say("/quiet 23-10")
        assert me.outbox.texts()[-1] == (
            "Quiet hours set: 23:00–10:00 (Europe/Berlin). A digest due then waits until 10:00."
        )
        await me.say("/digest daily 9")
        await run_to(app, clock, datetime(2026, 3, 8, 12, 0, tzinfo=UTC), timedelta(minutes=30))
    sent = [d.at for d in sender.to(BEA) if is_digest(d.reply)]
    assert sent == [  # 10:00 in Berlin (UTC+1), each day once
        datetime(2026, 3, 7, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 9, 0, tzinfo=UTC),
    ]
    assert all("2026-03-0" in d.reply.text for d in sender.to(BEA))  # type: ignore[union-attr]


async def test_a_push_that_fails_is_retried_later_sent_once_and_logged_once_per_failure(
    tmp_path: Path, server: FixtureServer
) -> None:
    clock = FakeClock(datetime(2026, 3, 7, 8, 0, tzinfo=UTC))
    sender = FlakySender(clock, failures=2)
    async with digest_app(tmp_path, clock, server) as app:
        app.notifier.register("telegram", sender)
        me = Person(app, CAL)
        await me.say("/digest daily 9")
        with capture_logs() as logs:
            await run_to(app, clock, datetime(2026, 3, 7, 11, 0, tzinfo=UTC), timedelta(minutes=1))
    assert sender.refused == 2
    sent = digests_to(sender, CAL)
    assert len(sent) == 1
    retries = [e for e in logs if e["event"] == "job.retrying" and e.get("kind") == "notify.send"]
    assert len(retries) == 2  # one event per failed attempt, none for the success
    assert len([e for e in logs if e["event"] == "digest_built"]) == 1
