"""The digest through the real Telegram front-end (fake Bot API): TMDB items filtered by
taste, headlines from a feed on a local server, the offline ranked list, a model's
summary, Russian for a Russian user, and its buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from concierge.adapters import digest_assembly
from concierge.config import Settings
from concierge.skills.digests.writer import ModelDigestWriter
from tests.fakes.clock import FakeClock
from tests.frontends.telegram.conftest import running
from tests.skills.digests.conftest import SCI_FI_FAN, Person, digest_app, set_taste
from tests.skills.grab.conftest import telegram_for
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

ANN, IVAN = 3101, 3102
NOW = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)


@pytest.fixture
def fake() -> FakeTelegram:
    server = FakeTelegram().start()
    yield server  # type: ignore[misc]
    server.stop()


def press(fake: FakeTelegram, chat: int, label: str) -> None:
    for call in reversed(fake.calls_to("sendMessage", chat_id=chat)):
        markup = call.params.get("reply_markup")
        if call.ok and isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        message = fake.message(chat, call.result["message_id"])
                        fake.push(fake.press_update(chat, button["callback_data"], message))
                        return
    raise AssertionError(f"no button {label!r}")


async def said(fake: FakeTelegram, chat: int, count: int, what: str) -> str:
    await fake.wait_for(lambda: len(fake.sent_texts(chat)) >= count, what=what)
    return fake.sent_texts(chat)[count - 1]


async def test_offline_digest_is_a_ranked_list_filtered_by_taste_with_working_buttons(
    fake: FakeTelegram, tmp_path: Path, server: FixtureServer
) -> None:
    clock = FakeClock(NOW)
    async with digest_app(tmp_path, clock, server) as app:
        ann = Person(app, ANN)
        await ann.say("/timezone Europe/London")
        await set_taste(ann, **SCI_FI_FAN)  # type: ignore[arg-type]
        async with running(telegram_for(app, fake)):
            fake.push(fake.text_update(ANN, "/digest now"))
            digest = await said(fake, ANN, 1, "the digest")
            press(fake, ANN, "👎 2")
            lowered = await said(fake, ANN, 2, "less like this")
            press(fake, ANN, "Unsubscribe")
            gone = await said(fake, ANN, 3, "unsubscribed")
    assert digest == (
        "✨ What is new for you · 2026-03-07\n\n"
        "1. ⭐ Arrakis Rising (2026) — with Denis Villeneuve, opens 10.04\n"
        "2. 🎬 Starfall Protocol (2026) — out since 04.03\n"
        "3. 🎬 Signal Lost (2026) — out since 01.03\n"
        "4. 🎬 Orbit of Ash (2026) — opens 12.03\n"
        "5. 📰 Denis Villeneuve confirms a new sci-fi project — Screen Daily Wire\n\n"
        "👎 N: less like item N from now on."
    )
    keyboard = fake.calls_to("sendMessage", chat_id=ANN)[-3].params["reply_markup"]
    labels = [[b["text"] for b in row] for row in keyboard["inline_keyboard"]]
    assert labels == [["👎 1", "👎 2", "👎 3", "👎 4", "👎 5"], ["⚙️ Settings", "Unsubscribe"]]
    assert lowered == "Noted: less Sci-Fi in your digests from now on."
    assert gone == "Unsubscribed: no more digests. /digest subscribes again."


async def test_scheduled_digest_for_a_russian_user_with_a_model_summary(
    fake: FakeTelegram, tmp_path: Path, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def script(messages: list[ModelMessage], _info: AgentInfo) -> ModelResponse:
        prompts.append(str(messages[-1].parts[-1].content))  # type: ignore[union-attr]
        return ModelResponse(
            parts=[
                TextPart(
                    "Главное сегодня — (1) *Восход Арракиса* Дени Вильнёва; "
                    "ещё (2) <b>Звёздный протокол</b> уже в кино."
                )
            ]
        )

    def scripted(_settings: Settings) -> ModelDigestWriter:
        return ModelDigestWriter(FunctionModel(script), "test:scripted")

    monkeypatch.setattr(digest_assembly, "digest_writer", scripted)
    clock = FakeClock(datetime(2026, 3, 7, 5, 0, tzinfo=UTC))
    async with digest_app(tmp_path, clock, server) as app:
        ivan = Person(app, IVAN, lang="ru")
        await ivan.say("/start")
        await set_taste(ivan, **SCI_FI_FAN)  # type: ignore[arg-type]
        async with running(telegram_for(app, fake)):
            fake.push(fake.text_update(IVAN, "/timezone Москва", language="ru"))
            await said(fake, IVAN, 1, "the time zone")
            fake.push(fake.text_update(IVAN, "/digest daily 9", language="ru"))
            settings = await said(fake, IVAN, 2, "the settings")
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
            clock.set(datetime(2026, 3, 7, 6, 0, tzinfo=UTC))  # 09:00 in Moscow
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
            digest = await said(fake, IVAN, 3, "the digest at 09:00 Moscow time")
    assert settings.startswith("Дайджест: каждый день в 09:00 (Europe/Moscow).")
    assert prompts and prompts[0].startswith("Language: Russian\nDigest: daily\n\n1. person | ")
    assert "Восход Арракиса" in prompts[0] and "Пустой дом" not in prompts[0]  # blocked genre
    assert digest == (
        "☀️ Ваш дайджест дня · 2026-03-07\n\n"
        "Главное сегодня — (1) *Восход Арракиса* Дени Вильнёва; "
        "ещё (2) <b>Звёздный протокол</b> уже в кино.\n\n"
        "1. ⭐ Восход Арракиса (2026) — с участием Denis Villeneuve, в кино с 10.04\n"
        "2. 🎬 Звёздный протокол (2026) — вышел 04.03\n"
        "3. 🎬 Сигнал потерян (2026) — вышел 01.03\n"
        "4. 🎬 Орбита пепла (2026) — в кино с 12.03\n"
        "5. 📰 Denis Villeneuve confirms a new sci-fi project — Screen Daily Wire\n\n"
        "👎 N: меньше похожего на пункт N."
    )


async def test_weekly_digest_on_sunday_lists_up_to_ten_with_headlines_shown_as_written(
    fake: FakeTelegram, tmp_path: Path, server: FixtureServer
) -> None:
    clock = FakeClock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # a Saturday
    async with digest_app(tmp_path, clock, server) as app, running(telegram_for(app, fake)):
        fake.push(fake.text_update(ANN, "/digest"))
        menu = await said(fake, ANN, 1, "the settings")
        press(fake, ANN, "Weekly")
        weekly = await said(fake, ANN, 2, "weekly on")
        press(fake, ANN, "18:00")
        at_six = await said(fake, ANN, 3, "at six")
        for hour in range(15, 46, 3):  # to Sunday 18:00 UTC and past it
            clock.set(datetime(2026, 3, 7, tzinfo=UTC) + timedelta(hours=hour))
            await app.scheduler.tick()
            await app.jobs.run_until_idle()
        digest = await said(fake, ANN, 4, "the weekly digest")
    assert menu.startswith("Digest: off.\nNo quiet hours.\n")
    assert weekly.startswith("Digest: every week on Sun at 09:00 (UTC).")
    assert at_six.startswith("Digest: every week on Sun at 18:00 (UTC).")
    assert len(fake.sent_texts(ANN)) == 4  # one weekly digest, no daily one
    lines = digest.splitlines()
    assert lines[0] == "🗓 Your weekly digest · 2026-03-08"
    items = [line.split(" ", 1)[1] for line in lines if line[:2].rstrip(".").isdigit()]
    assert len(items) == 10
    assert "📰 Festival line-up [leaked](https://evil.example) — Festival Notes" in items
    assert "📰 Box office: a quiet weekend & a surprise — Screen Daily Wire" in items
    call = fake.calls_to("sendMessage", chat_id=ANN)[-1]
    links = {e.get("url") for e in call.params.get("entities", []) if e["type"] == "text_link"}
    assert "https://fest.example/line-up" in links and "https://evil.example" not in links
