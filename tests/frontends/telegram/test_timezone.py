"""/timezone through the real Telegram front-end: by city, in Russian, and by location."""

from __future__ import annotations

from concierge.storage.db import Database
from tests.frontends.telegram.conftest import OWNER, Stack, running
from tests.support.fake_telegram import FakeTelegram


async def zone_of(db: Database, stack: Stack) -> str | None:
    user = await stack.users.find("telegram", OWNER)
    return user.timezone if user is not None else None


async def test_a_city_a_russian_city_and_a_shared_location_each_set_the_zone(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/timezone New York"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1, what="set by city")
        assert fake.sent_texts(OWNER)[0].startswith("Time zone set: America/New_York (UTC-0")
        assert await zone_of(stack.db, stack) == "America/New_York"

        fake.push(fake.text_update(OWNER, "/timezone", language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2, what="the question")
        assert "America/New_York" in fake.sent_texts(OWNER)[1]
        fake.push(fake.text_update(OWNER, "Москва", language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 3, what="set in Russian")
        assert fake.sent_texts(OWNER)[2].startswith("Часовой пояс: Europe/Moscow (UTC+03:00)")

        tokyo = {"latitude": 35.6895, "longitude": 139.6917}
        fake.push(fake.text_update(OWNER, "", location=tokyo))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 4, what="set by location")
        assert fake.sent_texts(OWNER)[3].startswith("Time zone set: Asia/Tokyo (UTC+09:00)")
        assert await zone_of(stack.db, stack) == "Asia/Tokyo"

        fake.push(fake.text_update(OWNER, "/timezone UTC+5:30"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 5, what="set by offset")
        assert await zone_of(stack.db, stack) == "Asia/Kolkata"
