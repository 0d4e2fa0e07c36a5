"""Onboarding through the real Telegram front-end: answers by button, a restart in the
middle, the resume at the next step, and the search that follows ranking by the answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.skills.memory.telegram import TelegramWorld
from tests.skills.movies.harness import movies_settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

ANN = 3003
BOB = 4004  # never onboarded: the built-in defaults (1080p)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    bot = FakeTelegram().start()
    try:
        yield bot
    finally:
        bot.stop()


async def test_onboarding_resumes_after_a_restart_and_ranks_4k_russian_first(
    server: FixtureServer, fake: FakeTelegram, tmp_path: Path
) -> None:
    settings = movies_settings(
        server, tmp_path, access_mode="open", telegram_api_base_url=fake.base_url
    )
    world = TelegramWorld(settings, fake)
    await world.start()
    try:
        started = await world.say(ANN, "/start", until="Step 1 of 6")
        assert "Let's set things up" in started and "Which language" in started
        await world.press(ANN, "English", until="Step 2 of 6")
        asked = await world.press(ANN, "4K", until="Step 3 of 6")
        assert "Which audio do you prefer?" in asked

        await world.stop()  # the operator restarts Concierge in the middle of onboarding
        await world.start()

        resumed = await world.say(ANN, "/start", until="Step 3 of 6")
        assert "Which language" not in resumed and "Which video quality" not in resumed
        await world.press(ANN, "Russian dub or voice-over", until="Step 4 of 6")
        await world.press(ANN, "Sci-Fi", until="Favourite genres: Sci-Fi")
        await world.press(ANN, "Drama", until="Favourite genres: Sci-Fi, Drama")
        await world.press(ANN, "Done", until="Step 5 of 6")
        await world.press(ANN, "Done", until="Step 6 of 6")
        await world.press(ANN, "Done", until="All set!")

        profile = await world.say(ANN, "/profile", until="What I know about you")
        assert "Quality: 4K" in profile and "Audio: Russian dub or voice-over" in profile
        assert "Favourite genres: Sci-Fi, Drama" in profile

        found = await world.say(ANN, "find Dune Part Two", until="Smallest")
        recommended = found.split("Recommended")[1].split("Fastest")[0]
        assert "2160p" in recommended and "Dub" in recommended  # 4K with Russian audio first

        other = await world.say(BOB, "find Dune Part Two", until="Smallest")
        assert "2160p" not in other.split("Recommended")[1].split("Fastest")[0]  # defaults
    finally:
        await world.stop()
