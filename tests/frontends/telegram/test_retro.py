"""The daily retro through the real Telegram front-end: buttons, a voice answer, the
reminder sent by the bot itself, and the export file, on an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from concierge.bootstrap import App
from concierge.frontends.telegram.app import TelegramFrontend
from tests.fakes.clock import FakeClock
from tests.frontends.telegram.conftest import FAST, running
from tests.skills.retro.conftest import retro_app
from tests.support.fake_telegram import TOKEN, FakeTelegram

OWNER = 1001


def frontend(app: App, fake: FakeTelegram) -> TelegramFrontend:
    return TelegramFrontend(
        token=SecretStr(TOKEN),
        dispatcher=app.dispatcher,
        notifier=app.notifier,
        registry=app.registry,
        catalog=app.catalog,
        users=app.users,
        api_base_url=fake.base_url,
        limits=FAST,
        stream_interval=0.05,
        poll_timeout=1,
    )


def press(fake: FakeTelegram, label: str) -> None:
    """Press the button ``label`` on the newest message that shows it."""
    for call in reversed(fake.calls_to("sendMessage", "editMessageText", chat_id=OWNER)):
        markup = call.params.get("reply_markup")
        if not call.ok or not isinstance(markup, dict):
            continue
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    message = fake.message(OWNER, call.result["message_id"])
                    fake.push(fake.press_update(OWNER, button["callback_data"], message))
                    return
    raise AssertionError(f"no button {label!r}")


async def said(fake: FakeTelegram, count: int, what: str) -> str:
    await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) >= count, what=what)
    return fake.sent_texts(OWNER)[count - 1]


async def test_a_retro_by_buttons_voice_and_text_then_the_reminder_and_the_export(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    steps = ["mood", "went_well", "learned"]
    async with retro_app(
        tmp_path, clock, owner_ids=[f"telegram:{OWNER}"], retro_steps=steps
    ) as app:
        fake.add_file("v-1", b"um the the demo <b>worked</b>")
        async with running(frontend(app, fake)):
            fake.push(fake.text_update(OWNER, "/timezone Moscow"))
            await said(fake, 1, "the time zone")
            fake.push(fake.text_update(OWNER, "/reminder 21:30"))
            assert (await said(fake, 2, "the reminder")).startswith(
                "Reminder set: every day at 21:30 (Europe/Moscow)"
            )
            clock.set(datetime(2026, 3, 5, 18, 29, tzinfo=UTC))
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
            assert len(fake.sent_texts(OWNER)) == 2  # 21:29 in Moscow: not yet
            clock.advance(timedelta(minutes=1))
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
            reminder = await said(fake, 3, "the reminder at 21:30 Moscow time")
            assert reminder.startswith("Time for your daily retro")
            press(fake, "Start retro")
            assert (await said(fake, 5, "the first question")).startswith("1/3")
            press(fake, "4")
            assert (await said(fake, 6, "the second question")).startswith("2/3")
            voice = {"file_id": "v-1", "file_unique_id": "uv-1", "duration": 3, "file_size": 29}
            fake.push(fake.text_update(OWNER, "", voice=voice))
            assert await said(fake, 7, "the cleaned answer") == "✓ The demo <b>worked</b>."
            fake.push(fake.text_update(OWNER, "Patience pays"))
            done = await said(fake, 10, "the finished retro")
            assert done.startswith("Retro for 2026-03-05 saved. Streak: 1 day(s) in a row.")
            assert "The demo <b>worked</b>." in done  # the user's text, never markup
            fake.push(fake.text_update(OWNER, "/retro_export"))
            await fake.wait_for(lambda: bool(fake.calls_to("sendDocument")), what="the file")
            clock.set(datetime(2026, 3, 6, 18, 30, tzinfo=UTC))  # next day: reminded again
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
            await fake.wait_for(
                lambda: fake.sent_texts(OWNER)[-1].startswith("Time for your daily retro"),
                what="the next day's reminder",
            )
    document = fake.calls_to("sendDocument")[0]
    assert document.params["caption"] == "Your retros: 1."
    body = next(iter(document.files.values())).decode()
    assert "## 2026-03-05 — Mood 4/5" in body and "The demo <b>worked</b>." in body
