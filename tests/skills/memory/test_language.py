"""The card comes in the user's language: Telegram's language_code, the language a
terminal user writes in, or the one fixed with /language (which takes an argument)."""

from __future__ import annotations

from pathlib import Path

from tests.skills.memory.telegram import TelegramWorld
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer
from tests.support.terminal import Terminal

VERA = 5005


async def test_telegram_russian_speaker_gets_the_russian_card(
    server: FixtureServer, tmp_path: Path
) -> None:
    fake = FakeTelegram().start()
    settings = movies_settings(
        server, tmp_path, access_mode="open", telegram_api_base_url=fake.base_url
    )
    world = TelegramWorld(settings, fake)
    await world.start()
    try:
        out = await world.say(VERA, "найди Дюну 2", language="ru", until="Рекомендую")
        assert "Дюна: Часть вторая (2024)" in out and "Режиссёр" in out
        assert "＋ В список" in str(fake.calls_to("sendPhoto", "sendMessage", chat_id=VERA))
    finally:
        await world.stop()
        fake.stop()


async def test_terminal_user_writing_russian_gets_russian_until_a_language_is_fixed(
    server: FixtureServer, tmp_path: Path
) -> None:
    world = await MoviesWorld.start(movies_settings(server, tmp_path))
    try:
        term = Terminal(world.app, language="en")
        out = await term.say("найди Дюну 2")
        assert "━━ Дюна: Часть вторая (2024) ━━" in out and "1. Рекомендую" in out
        english = await term.say("find Dune Part Two")
        assert "━━ Dune: Part Two (2024) ━━" in english  # as written, again

        assert "English" in await term.say("/language en")  # fixed: no more guessing
        fixed = await term.say("найди Дюну 2")
        assert "━━ Dune: Part Two (2024) ━━" in fixed
        assert "по-русски" in await term.say("/language ru")
        assert "━━ Дюна: Часть вторая (2024) ━━" in await term.say("find Dune Part Two")
    finally:
        await world.close()
