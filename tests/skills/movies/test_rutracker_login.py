"""/rutracker: a user's own RuTracker login, checked against the tracker's login page first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from concierge.frontends.console.chat import CONSOLE_USER_ID, PLATFORM
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import ACCOUNT, RUTRACKER, FakeTracker, movie_routes

USERNAME, PASSWORD = ACCOUNT
STORED = ("rutracker.username", "rutracker.password", "rutracker.session")


@pytest.fixture
def tracker() -> FakeTracker:
    return FakeTracker()


@pytest.fixture
def server(tracker: FakeTracker) -> Iterator[FixtureServer]:
    with FixtureServer({**movie_routes(), **tracker.routes()}) as srv:
        yield srv


@pytest.fixture
async def world(server: FixtureServer, tmp_path: Path) -> AsyncIterator[MoviesWorld]:
    settings = movies_settings(
        server,
        tmp_path,
        torrent_sources=["torapi", "apibay", "rutracker"],
        rutracker_base_url=server.url + RUTRACKER,
    )
    w = await MoviesWorld.start(settings)
    try:
        yield w
    finally:
        await w.close()


async def stored(world: MoviesWorld) -> dict[str, str | None]:
    user = await world.app.users.find(PLATFORM, CONSOLE_USER_ID)
    assert user is not None
    return {name: await world.app.credentials.get(user.id, name) for name in STORED}


async def test_login_is_checked_saved_and_used_for_search(
    world: MoviesWorld, tracker: FakeTracker
) -> None:
    out = await world.chat(["/rutracker", USERNAME, PASSWORD])
    assert "Your RuTracker username?" in out
    assert "Password? I'll delete your message" in out
    # A terminal cannot take back a typed line: the user is told to clear it.
    assert "I couldn't delete your message with the password" in out
    assert f"✅ Logged in to RuTracker as {USERNAME}." in out
    assert tracker.logins == 1
    assert await stored(world) == {
        "rutracker.username": USERNAME,
        "rutracker.password": PASSWORD,
        "rutracker.session": "session-1",
    }
    # A Russian speaker's 4K pick is RuTracker's dubbed remux, found through their account.
    found = await world.chat(["найди Дюну 2 в 4K"], language="ru")
    recommended = found.split("1. Рекомендую")[1].split("2. Быстрее всего")[0]
    assert "RuTracker" in recommended and "Не ответили" not in found
    assert tracker.logins == 1  # the session from the check is reused


async def test_wrong_password_is_refused_and_nothing_is_stored(world: MoviesWorld) -> None:
    with capture_logs() as logs:
        out = await world.chat(["/rutracker", USERNAME, "not-the-password"])
    assert {"event": "rutracker_login_rejected", "user": "console:1", "log_level": "info"} in logs
    assert "not-the-password" not in repr(logs)
    assert "RuTracker rejected this username or password. Nothing was saved" in out
    assert "Logged in" not in out
    assert await stored(world) == dict.fromkeys(STORED)
    again = await world.chat(["find Dune Part Two 2160p"])
    assert "Did not answer: rutracker (login or key rejected)." in again


async def test_captcha_is_explained_and_nothing_is_stored(
    world: MoviesWorld, tracker: FakeTracker
) -> None:
    tracker.captcha = True
    out = await world.chat(["/rutracker", USERNAME, PASSWORD])
    assert "RuTracker asks for a captcha for this account" in out
    assert "Log in once at rutracker.org in a browser" in out
    assert await stored(world) == dict.fromkeys(STORED)


async def test_password_message_is_deleted_then_login_can_be_forgotten(
    world: MoviesWorld,
) -> None:
    person = Person(world.app, CONSOLE_USER_ID, lang="ru", platform=PLATFORM)
    await person.say("/rutracker")
    await person.say(USERNAME)
    outbox = await person.say(PASSWORD)  # the third message: message_id 3
    shown = outbox.all_text()
    assert outbox.deleted == [3]
    assert "Не удалось удалить сообщение" not in shown
    assert f"✅ Вход на RuTracker выполнен: {USERNAME}." in shown

    outbox.clear()
    await person.say("/rutracker")
    assert f"Поиск на RuTracker идёт через ваш аккаунт {USERNAME}." in outbox.all_text()
    await person.press(outbox.button("🗑 Забыть мой логин").id)
    assert "Ваш логин RuTracker забыт." in outbox.all_text()
    assert await stored(world) == dict.fromkeys(STORED)

    outbox.clear()
    await person.say("/rutracker")
    assert "Ваш логин на RuTracker?" in outbox.all_text()


async def test_command_says_when_rutracker_is_off(server: FixtureServer, tmp_path: Path) -> None:
    w = await MoviesWorld.start(movies_settings(server, tmp_path))
    try:
        out = await w.chat(["/rutracker"])
        ru = await w.chat(["/rutracker"], language="ru")
    finally:
        await w.close()
    assert "RuTracker search is turned off on this bot" in out
    assert "Поиск по RuTracker в этом боте выключен" in ru
