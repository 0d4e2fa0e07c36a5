"""The retro through the dispatcher: voice and text, restart mid-way, another wizard between."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from concierge.skills.retro.models import RetroAnswerRow, RetroRow
from tests.fakes.clock import FakeClock
from tests.skills.retro.conftest import START, retro_app, speak
from tests.support.app import Person

OWNER = 1


async def answers(app_db: object, user_id: int | None = None) -> dict[str, tuple[str, str]]:
    async with app_db.session() as s:  # type: ignore[attr-defined]
        rows = (await s.scalars(select(RetroAnswerRow))).all()
        return {r.step: (r.raw, r.cleaned) for r in rows}


async def test_a_retro_by_voice_and_text_survives_a_restart_and_a_wizard_in_between(
    tmp_path: Path, database: dict[str, Any]
) -> None:
    clock = FakeClock(START)
    async with retro_app(tmp_path, clock, **database) as app:
        me = Person(app, OWNER)
        await me.say("/retro")
        assert me.outbox.texts()[-2].startswith("Daily retro for 2026-03-05: 6 questions")
        assert "1/6" in me.outbox.texts()[-1] and "1 (awful) to 5" in me.outbox.texts()[-1]
        await me.press(me.outbox.button("4").id)
        assert "2/6" in me.outbox.texts()[-1]
        await speak(me, "um so I I finished the quarterly report , uh finally")
        assert me.outbox.texts()[-2] == "✓ So I finished the quarterly report, finally."
        await me.say("the build broke twice")
        assert "4/6" in me.outbox.texts()[-1]
        await me.say("/client")  # another wizard opens in between
        await me.press(me.outbox.button("Transmission").id)
        assert me.outbox.texts()[-1].startswith("Send the address of its web interface")
    async with retro_app(tmp_path, clock, **database) as app:  # the bot restarts
        me = Person(app, OWNER)
        await me.say("http://127.0.0.1:9091")  # the wizard is the most recent: it answers
        assert me.outbox.texts()[-1].startswith("Username?")
        await me.say("/cancel")
        assert me.outbox.texts()[-1].startswith("Cancelled: connecting a torrent client.")
        assert "the daily retro" in me.outbox.texts()[-1]
        await speak(me, "that small commits are easier to review")  # step 4 answers
        assert "5/6" in me.outbox.texts()[-1]
        await me.say("/retro")  # resuming shows the same step again
        assert me.outbox.texts()[-2].startswith("Picking up your retro for 2026-03-05")
        assert "5/6" in me.outbox.texts()[-1]
        await me.say("my team")
        await speak(me, "ship the release notes")
        done = me.outbox.texts()[-1]
        assert done.startswith("Retro for 2026-03-05 saved. Streak: 1 day(s) in a row.")
        assert "ship the release notes" in done.lower()
        stored = await answers(app.db)
    assert set(stored) == {"mood", "went_well", "went_wrong", "learned", "grateful", "focus"}
    assert stored["went_well"] == (
        "um so I I finished the quarterly report , uh finally",
        "So I finished the quarterly report, finally.",
    )
    assert stored["learned"][1] == "That small commits are easier to review."
    assert stored["mood"] == ("4", "4")


async def test_skip_back_redo_and_finish(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with retro_app(tmp_path, clock) as app:
        me = Person(app, OWNER)
        await me.say("/retro")
        await me.say("five")  # the mood by words, as a voice note would bring it
        await me.say("a long walk")
        await me.press(me.outbox.button("Skip").id)  # what didn't go well: skipped
        assert "4/6" in me.outbox.texts()[-1]
        await me.press(me.outbox.button("Back").id)
        assert "3/6" in me.outbox.texts()[-1]
        await me.say("nothing really")
        redo = me.outbox.button("Redo this answer")
        await me.say("patience")
        await me.press(redo.id)  # the answer to step 3 again
        assert "3/6" in me.outbox.texts()[-1] and "Now: _Nothing really._" in me.outbox.texts()[-1]
        await me.say("a missed train")
        assert "4/6" in me.outbox.texts()[-1] and "Now: _Patience._" in me.outbox.texts()[-1]
        await me.press(me.outbox.button("Finish").id)
        assert me.outbox.texts()[-1].startswith("Retro for 2026-03-05 saved.")
        await me.say("the agent does not get this")  # the retro no longer takes text
        assert not me.outbox.texts()[-1].startswith("✓")
        async with app.db.session() as s:
            retro = await s.scalar(select(RetroRow))
        assert retro is not None and retro.status == "done" and retro.mood == 5
        stored = await answers(app.db)
    assert stored["went_wrong"][1] == "A missed train."
    assert stored["learned"][1] == "Patience."
    assert "grateful" not in stored


async def test_a_second_retro_the_same_day_edits_it_and_a_bad_mood_is_asked_again(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with retro_app(tmp_path, clock, retro_steps=["mood", "went_well"]) as app:
        me = Person(app, OWNER, lang="ru")
        await me.say("Ретро")  # the word alone starts it, as typed or spoken
        await me.say("отлично")
        assert me.outbox.texts()[-1].startswith("Выберите число от 1 до 5")
        await me.say("четыре")
        await me.say("ну закончил отчёт отчёт")
        assert me.outbox.texts()[-1].startswith("Ретро за 2026-03-05 сохранено.")
        clock.advance(timedelta(hours=2))
        await me.say("/retro")
        assert me.outbox.texts()[-2].startswith("Ретро за сегодня (2026-03-05) готово")
        await me.press(me.outbox.button("Пропустить").id)  # the mood stays 4
        await me.say("закончил отчёт и отдохнул")
        async with app.db.session() as s:
            retros = (await s.scalars(select(RetroRow))).all()
        stored = await answers(app.db)
    assert len(retros) == 1 and retros[0].mood == 4
    assert stored["went_well"] == ("закончил отчёт и отдохнул", "Закончил отчёт и отдохнул.")


async def test_silence_pauses_the_retro_with_a_note_and_retro_resumes_it(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with retro_app(tmp_path, clock) as app:
        sent: list[str] = []

        class Sender:
            async def send_to_user(self, platform_user_id: int, reply: object) -> object:
                sent.append(getattr(reply, "text", ""))
                from concierge.core.messages import MessageHandle

                return MessageHandle("telegram", platform_user_id, (len(sent),))

        app.notifier.register("telegram", Sender())  # type: ignore[arg-type]
        me = Person(app, OWNER)
        await me.say("/retro")
        await me.say("3")
        clock.advance(timedelta(minutes=29))
        await app.jobs.run_until_idle()
        assert sent == []  # not yet
        await me.say("a good talk")  # activity: the clock of silence restarts
        clock.advance(timedelta(minutes=29))
        await app.jobs.run_until_idle()
        assert sent == []
        clock.advance(timedelta(minutes=2))
        await app.jobs.run_until_idle()
        assert sent == [
            "Your retro for 2026-03-05 paused after 30 minutes of silence. "
            "Nothing is lost: /retro resumes it today."
        ]
        await me.say("this goes to the agent, not the retro")
        assert not me.outbox.texts()[-1].startswith("✓")
        await me.say("/retro")
        assert "3/6" in me.outbox.texts()[-1]
