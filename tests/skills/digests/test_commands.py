"""``/digest`` and ``/quiet`` in words, in English and Russian."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.fakes.clock import FakeClock
from tests.skills.digests.conftest import digest_app
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer


def first_lines(person: Person, count: int = 2) -> str:
    return "\n".join(person.outbox.texts()[-1].splitlines()[:count])


async def test_digest_and_quiet_commands_change_and_show_the_settings(
    tmp_path: Path, server: FixtureServer
) -> None:
    async with digest_app(tmp_path, FakeClock(datetime(2026, 3, 7, tzinfo=UTC)), server) as app:
        me, ru = Person(app, 81), Person(app, 82, lang="ru")
        await me.say("/digest weekly sun 18")
        assert first_lines(me) == ("Digest: every week on Sun at 18:00 (UTC).\nNo quiet hours.")
        await me.say("/digest daily")
        await me.say("/digest fri")  # a weekday adds the weekly one
        assert first_lines(me, 1) == ("Digest: every day at 18:00 and a weekly one on Fri (UTC).")
        await me.say("/quiet 22-7")
        await me.say("/quiet")
        assert me.outbox.texts()[-1] == (
            "Quiet hours: 22:00–07:00; a digest due then waits until they end.\n"
            "Set them with /quiet 23-08, remove them with /quiet off."
        )
        await me.say("/digest off")
        assert (
            first_lines(me)
            == "Digest: off.\nQuiet hours: 22:00–07:00; a digest due then waits until they end."
        )
        await me.say("/quiet off")
        assert me.outbox.texts()[-1] == "Quiet hours removed."
        schedules = await app.scheduler.for_user((await app.users.find("telegram", 81)).id)  # type: ignore[union-attr]
        assert schedules == []
        await ru.say("/digest когда-нибудь")
        assert ru.outbox.texts()[-1].startswith("Не понял когда-нибудь.")
        await ru.say("/quiet ночью")
        assert ru.outbox.texts()[-1] == "Не понял ночью. Напишите два часа, например /quiet 23-08."
