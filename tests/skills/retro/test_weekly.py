"""The weekly summary and the streak: now on request, or on the user's chosen day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from concierge.core.messages import Text, unescape_literal
from tests.fakes.clock import FakeClock
from tests.skills.retro.conftest import RecordingSender, retro_app
from tests.support.app import Person

WEEK = [  # (day, mood, what went well)
    ("2026-03-02", "3", "the deploy went fine after the review"),
    ("2026-03-03", "4", "a calm morning and a good review"),
    ("2026-03-05", "5", "the review of the roadmap went great"),
    ("2026-03-06", "2", "not much"),
]


async def test_the_week_shows_mood_trend_highlights_words_and_the_streak(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    sender = RecordingSender(clock)
    async with retro_app(tmp_path, clock, retro_steps=["mood", "went_well"]) as app:
        app.notifier.register("telegram", sender)
        me = Person(app, 1)
        await me.say("/retro_week")
        assert me.outbox.texts()[-1] == (
            "*Your week* (2026-02-24 – 2026-03-02)\nNo retros this week. /retro starts today's."
        )
        await me.say("/retro_week sun")
        assert me.outbox.texts()[-1] == "Weekly summary every Sunday at 19:00 (UTC)."
        for day, mood, text in WEEK:
            clock.set(datetime.fromisoformat(day).replace(hour=18, tzinfo=UTC))
            await me.say("/retro")
            await me.say(mood)
            await me.say(text)
        assert me.outbox.texts()[-1].startswith("Retro for 2026-03-06 saved. Streak: 2 day(s)")
        await me.say("/retro_week")
        assert me.outbox.texts()[-1] == (
            "*Your week* (2026-02-28 – 2026-03-06)\n"
            "Retros: 4 of 7 days · streak 2 day(s)\n"
            "Mood: 3.5 on average (02.03: 3, 03.03: 4, 05.03: 5, 06.03: 2)\n"
            "What went well:\n"
            "• The deploy went fine after the review.\n"
            "• A calm morning and a good review.\n"
            "• The review of the roadmap went great.\n"
            "Recurring words: review"
        )
        while clock.now() < datetime(2026, 3, 9, 12, 0, tzinfo=UTC):
            clock.advance(timedelta(hours=1))
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
        weekly = [d for d in sender.to(1) if isinstance(d.reply, Text) and "week" in d.reply.text]
        assert [d.at for d in weekly] == [datetime(2026, 3, 8, 19, 0, tzinfo=UTC)]
        assert "Retros: 4 of 7 days" in unescape_literal(weekly[0].reply.text)  # type: ignore[union-attr]
        await me.say("/retro_week off")
        assert me.outbox.texts()[-1] == "Weekly summary off."


def test_themes_a_model_named_are_shown_escaped() -> None:
    from datetime import date

    from concierge.core.i18n import Catalog
    from concierge.skills.retro.insight import weekly_text
    from concierge.skills.retro.store import Answer, Retro

    catalog = Catalog.load()
    day = date(2026, 3, 5)
    answer = Answer("went_well", "a review", "A review.", "rules-v1")
    retro = Retro(1, 1, day, "done", 1, 3, 4, {"went_well": answer})
    text = weekly_text(
        lambda key, **v: catalog.t(key, "ru", **v), day, day, [retro], 1, ["Code *reviews*"]
    )
    assert "Повторяющиеся темы:\n• Code \\*reviews\\*" in text
