"""Open conversations coexist: a second wizard waits its turn, both survive a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.config import Settings
from tests.skills.movies.harness import MoviesWorld, movies_settings
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import ACCOUNT, RUTRACKER, FakeTracker, movie_routes

USERNAME, PASSWORD = ACCOUNT
OWNER = 7


@pytest.fixture
def tracker() -> FakeTracker:
    return FakeTracker()


@pytest.fixture
def server(tracker: FakeTracker) -> Iterator[FixtureServer]:
    with FixtureServer({**movie_routes(), **tracker.routes()}) as srv:
        yield srv


@pytest.fixture
def settings(server: FixtureServer, tmp_path: Path) -> Settings:
    return movies_settings(
        server,
        tmp_path,
        torrent_sources=["torapi", "apibay", "rutracker"],
        rutracker_base_url=server.url + RUTRACKER,
        owner_ids=[f"telegram:{OWNER}"],
        allow_private_client_urls=True,
    )


async def test_a_second_wizard_waits_its_turn_and_both_survive_a_restart(
    settings: Settings, tracker: FakeTracker
) -> None:
    first = await MoviesWorld.start(settings)
    try:
        owner = Person(first.app, OWNER)
        await owner.say("/client")
        await owner.press(owner.outbox.button("Transmission").id)
        assert owner.outbox.texts()[-1].startswith("Send the address of its web interface")
        await owner.say("/rutracker")  # a second flow while the first is open
        assert owner.outbox.texts()[-1] == "Your RuTracker username? (/cancel to stop)"
    finally:
        await first.close()

    second = await MoviesWorld.start(settings)  # the bot restarts
    try:
        owner = Person(second.app, OWNER)
        await owner.say(USERNAME)  # the latest flow answers
        await owner.say(PASSWORD)
        said = owner.outbox.texts()
        assert f"✅ Logged in to RuTracker as {USERNAME}." in "\n".join(said)
        assert said[-1] == (
            "Still open: connecting a torrent client. Reply to go on, or send /cancel."
        )
        assert tracker.logins == 1
        await owner.say("http://127.0.0.1:9091")  # back in the client wizard, intact
        assert owner.outbox.texts()[-1] == "Username? Send `-` if there is none."
        await owner.say("/cancel")
        assert owner.outbox.texts()[-1] == "Cancelled: connecting a torrent client."
        await owner.say("/cancel")
        assert owner.outbox.texts()[-1] == "Cancelled."
    finally:
        await second.close()


async def test_a_wrong_answer_keeps_the_wizard_open_and_cancel_names_what_it_ends(
    settings: Settings,
) -> None:
    world = await MoviesWorld.start(settings)
    try:
        owner = Person(world.app, OWNER, lang="ru")
        await owner.say("/client")
        await owner.press(owner.outbox.buttons()[0].id)
        await owner.say("/timezone")
        await owner.say("Нарния")  # not a place: the time zone flow asks again
        assert owner.outbox.texts()[-1].startswith("Не знаю часовой пояс «Нарния»")
        await owner.say("/cancel")
        assert owner.outbox.texts()[-1] == (
            "Отменено: выбор часового пояса.\n"
            "Ещё не закончено: подключение торрент-клиента. "
            "Ответьте, чтобы продолжить, или отправьте /cancel."
        )
        await owner.say("not a url at all")
        assert (
            "адрес" in owner.outbox.texts()[-1].lower() or "url" in owner.outbox.texts()[-1].lower()
        )
        await owner.say("http://127.0.0.1:9091")  # the wizard is still open after a bad URL
        assert owner.outbox.texts()[-1].startswith("Имя пользователя?")
    finally:
        await world.close()
