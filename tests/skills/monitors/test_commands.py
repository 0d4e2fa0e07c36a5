"""Setting monitors up in words (English and Russian, offline model), the cap, the list's
buttons, and the intervals that follow a release date."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from concierge.bootstrap import build_app
from concierge.skills.monitors.timing import FAR, FRESH, NEAR, film_interval, jittered
from concierge.skills.movies.domain import Title
from tests.fakes.clock import FakeClock
from tests.skills.monitors.support import settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer


async def test_russian_request_cap_and_removal(
    server: FixtureServer, clock: FakeClock, tmp_path: Path
) -> None:
    app = await build_app(settings(server, tmp_path, monitors_per_user=1), clock=clock)
    try:
        ru = Person(app, 31, lang="ru")
        await ru.say("сообщи, когда выйдет Dune Part Three в 4K")
        assert "🔔 Жду Dune: Part Three (2026) в 2160p" in ru.outbox.all_text()
        await ru.say("/follow Slow Horses")
        assert "максимум" in ru.outbox.texts()[-1]  # the cap of one
        await ru.say("/monitors")
        assert "🎬 Dune: Part Three (2026) · 2160p" in ru.outbox.all_text()
        await ru.press(ru.outbox.button("🗑 Удалить").id)
        assert ru.outbox.texts()[-1] == "Удалено: Dune: Part Three (2026)."
        en = Person(app, 32)
        await en.say("tell me when Nothing Like This Film is out")
        assert "couldn't find a film or series" in en.outbox.all_text()
    finally:
        await app.close()


def test_intervals_follow_the_release_date() -> None:
    today = date(2026, 12, 1)

    def film(release: str | None = None, digital: str | None = None) -> Title:
        return Title("movie", 1, "X", "X", release_date=release, digital_release=digital)

    assert film_interval(film("2027-06-01"), today) == FAR
    assert film_interval(film("2026-12-18"), today) == NEAR
    assert film_interval(film("2026-10-01", "2026-11-28"), today) == FRESH
    assert film_interval(film("2026-01-01", "2026-02-01"), today) == NEAR
    assert film_interval(film(), today) == FAR
    spread = {jittered(NEAR, f"movie:{n}:2160") for n in range(20)}
    assert len(spread) == 20 and all(NEAR <= s <= NEAR + timedelta(hours=2.4) for s in spread)
