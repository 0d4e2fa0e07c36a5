"""Through the real dispatcher: /client, Send to my client, /downloads, completion notices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.bootstrap import App
from concierge.core.messages import File, unescape_literal
from concierge.core.skill import Skill
from concierge.skills.downloads.service import CREDENTIAL_NAME
from concierge.storage.jobs import EmbeddedJobs
from daemons import RunningDaemon, make_payload, make_torrent, random_magnet
from tests.skills.downloads.support import client_url, torrent_card_button
from tests.support.app import Person, running_app
from tests.support.fixture_server import FixtureServer, raw
from tests.support.outbox import RecordingOutbox


def with_downloads(app: App) -> Skill:
    """The downloads skill as bootstrap registered it."""
    return next(s for s in app.registry.skills if s.name == "downloads")


async def test_send_complete_notify_once_across_a_restart(
    tmp_path: Path, transmission_daemon: RunningDaemon
) -> None:
    url = client_url(transmission_daemon)
    payload = make_payload(transmission_daemon.download_dir, "End.To.End.2024.2160p.mkv")
    torrent = make_torrent(payload)
    # The tracker serves the .torrent over HTTP; a loopback file server stands in for it.
    with FixtureServer({"/t/1.torrent": raw(torrent, 200, "application/x-bittorrent")}) as srv:
        async with running_app(
            tmp_path, torrent_client_url=url, allow_private_client_urls=True
        ) as first:
            with_downloads(first)
            owner = Person(first, 1)
            await owner.say("/start")
            button = await torrent_card_button(
                first, owner, name="End To End 2024", torrent_url=f"{srv.url}/t/1.torrent"
            )
            await owner.press(button)
            assert "Added to your client: End.To.End.2024.2160p.mkv" in owner.outbox.all_text()
    # the bot restarts between adding and completing
    async with running_app(tmp_path, torrent_client_url=url) as second:
        person = Person(second, 1)
        second.notifier.register("telegram", person.outbox)
        assert isinstance(second.jobs, EmbeddedJobs)
        for _ in range(60):
            await second.scheduler.run_once("downloads.monitor")  # a tick: queues a poll
            await second.jobs.run_until_idle()
            if person.outbox.sent:
                break
            await asyncio.sleep(0.3)  # the daemon checks the payload in its own time
        for _ in range(3):
            await second.scheduler.run_once("downloads.monitor")
            await second.jobs.run_until_idle()
        assert person.outbox.texts() == [
            "✅ Downloaded and ready to watch: End.To.End.2024.2160p.mkv"
        ]


async def test_without_a_client_the_magnet_is_given_with_a_hint(app: App) -> None:
    stranger = Person(app, 77)
    await stranger.say("/start")
    magnet, _ = random_magnet("Some.Film")
    await stranger.press(await torrent_card_button(app, stranger, name="Some Film", magnet=magnet))
    text = stranger.outbox.all_text()
    assert magnet in text and "/client" in text


async def test_downloads_lists_pauses_resumes_and_removes(app: App) -> None:
    owner = Person(app, 1)
    magnet, _ = random_magnet("Listed.Film.2020")
    await owner.say("/start")
    await owner.press(await torrent_card_button(app, owner, name="Listed", magnet=magnet))
    owner.outbox.clear()
    await owner.say("/downloads")
    assert "Listed.Film.2020" in owner.outbox.all_text()
    assert "▱▱▱▱▱▱▱▱▱▱ 0%" in owner.outbox.all_text()
    await owner.press(owner.outbox.button("⏸ Pause").id)
    assert "Paused: Listed.Film.2020" in owner.outbox.all_text()
    for _ in range(30):  # the daemon applies the stop on its next tick
        owner.outbox.clear()
        await owner.say("/downloads")
        if "paused" in owner.outbox.all_text():
            break
        await asyncio.sleep(0.2)
    assert "▱▱▱▱▱▱▱▱▱▱ 0% · paused" in owner.outbox.all_text()
    await owner.press(owner.outbox.button("▶️ Resume").id)
    assert "Resumed: Listed.Film.2020" in owner.outbox.all_text()
    await owner.press(owner.outbox.button("🗑 Remove").id)
    assert "Removed from the client (files kept): Listed.Film.2020" in owner.outbox.all_text()
    owner.outbox.clear()
    await owner.say("/downloads")
    assert "no downloads in progress" in owner.outbox.all_text()


async def setup_client(person: Person, url: str, username: str, password: str) -> str:
    person.outbox.clear()
    await person.say("/client")
    await person.press(person.outbox.button("Transmission").id)
    await person.say(url)
    await person.say(username)
    await person.say(password)
    return person.outbox.all_text()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9091", "http://169.254.169.254/latest", "http://localhost:9091"]
)
async def test_a_plain_user_cannot_point_a_client_at_internal_addresses(app: App, url: str) -> None:
    user = Person(app, 55)
    await user.say("/start")
    shown = await setup_client(user, url, "admin", "hunter2-secret")
    assert "never allowed" in shown or "only allowed for the owner and admins" in shown
    assert "hunter2-secret" not in shown
    record = await app.users.find("telegram", 55)
    assert record is not None
    assert await app.credentials.get(record.id, CREDENTIAL_NAME) is None


async def test_owner_sets_up_a_local_client_tested_before_saving(
    app: App, transmission_daemon: RunningDaemon
) -> None:
    owner = Person(app, 1)
    await owner.say("/start")
    url = transmission_daemon.base_url
    shown = await setup_client(owner, url, transmission_daemon.username, "wrong-password")
    assert "refused the username or password" in shown
    record = await app.users.find("telegram", 1)
    assert record is not None and await app.credentials.get(record.id, CREDENTIAL_NAME) is None
    shown = await setup_client(
        owner, url, transmission_daemon.username, transmission_daemon.password
    )
    assert "Connected to Transmission 3" in shown or "Connected to Transmission" in shown
    stored = await app.credentials.get(record.id, CREDENTIAL_NAME)
    assert stored is not None and transmission_daemon.password in stored  # decrypted read-back
    async with app.db.session() as s:
        from sqlalchemy import text

        raw = await s.scalar(text("SELECT ciphertext FROM credentials"))
    assert transmission_daemon.password not in str(raw)  # encrypted at rest


class UndeletableOutbox(RecordingOutbox):
    """A chat where the bot may not delete the user's messages (a terminal, an old message)."""

    async def delete(self, message_id: int) -> bool:
        return False


async def test_the_password_message_is_deleted_or_the_user_is_asked_to(
    app: App, transmission_daemon: RunningDaemon
) -> None:
    url, user, password = (
        transmission_daemon.base_url,
        transmission_daemon.username,
        transmission_daemon.password,
    )
    owner = Person(app, 1)
    await owner.say("/start")  # message 1; then /client 2, URL 3, username 4, password 5
    shown = await setup_client(owner, url, user, password)
    assert owner.outbox.deleted == [5]
    assert "Connected to Transmission" in shown and "delete it yourself" not in shown

    other = Person(app, 2)
    other.outbox = UndeletableOutbox()
    await other.say("/start")
    shown = await setup_client(other, url, user, password)
    assert "I couldn't remove your password message from this chat" in shown


@pytest.fixture
def tracker(tmp_path: Path) -> Iterator[tuple[FixtureServer, bytes]]:
    """A tracker serving one result's .torrent, and one link that is gone."""
    torrent = make_torrent(make_payload(tmp_path / "seed", "Some.Film.2024.1080p.mkv"))
    routes = {
        "/dl/1.torrent": raw(torrent, 200, "application/x-bittorrent"),
        "/dl/gone.torrent": raw(b"<html>not found</html>", 404, "text/html"),
    }
    with FixtureServer(routes) as srv:
        yield srv, torrent


@pytest.mark.parametrize("with_magnet", [False, True], ids=["torrent-only", "magnet-too"])
async def test_without_a_client_the_torrent_file_is_sent_with_a_hint(
    tmp_path: Path, tracker: tuple[FixtureServer, bytes], with_magnet: bool
) -> None:
    srv, torrent = tracker
    magnet, _ = random_magnet("Some.Film.2024")
    async with running_app(tmp_path, access_mode="open", allow_private_client_urls=True) as app:
        user = Person(app, 77)
        await user.say("/start")
        user.outbox.clear()
        button = await torrent_card_button(
            app, user, name="Some Film: 2024", torrent_url=f"{srv.url}/dl/1.torrent",
            magnet=magnet if with_magnet else None,
        )  # fmt: skip
        await user.press(button)
    files = [r for r in user.outbox.sent if isinstance(r, File)]
    assert [(f.filename, f.inline) for f in files] == [("Some Film_ 2024.torrent", torrent)]
    caption = unescape_literal(files[0].caption)
    assert "here is the .torrent file for Some Film: 2024" in caption and "/client" in caption
    assert (magnet in user.outbox.all_text()) is with_magnet
    assert len(srv.hits_for("/dl/1.torrent")) == 1


async def test_without_a_client_a_dead_torrent_link_is_explained(
    tmp_path: Path, tracker: tuple[FixtureServer, bytes]
) -> None:
    srv, _ = tracker
    async with running_app(tmp_path, access_mode="open", allow_private_client_urls=True) as app:
        user = Person(app, 77)
        await user.say("/start")
        user.outbox.clear()
        await user.press(
            await torrent_card_button(
                app, user, name="Gone", torrent_url=f"{srv.url}/dl/gone.torrent"
            )
        )
    assert user.outbox.texts() == ["This result has no usable magnet link or .torrent file."]
    assert not [r for r in user.outbox.sent if isinstance(r, File)]


async def test_without_a_client_a_torrent_on_a_private_address_is_not_fetched(
    tmp_path: Path, tracker: tuple[FixtureServer, bytes]
) -> None:
    """A plain user's button may not make the bot fetch from the LAN (the default policy)."""
    srv, _ = tracker
    async with running_app(tmp_path, access_mode="open") as app:
        user = Person(app, 77)
        await user.say("/start")
        user.outbox.clear()
        await user.press(
            await torrent_card_button(app, user, name="LAN", torrent_url=f"{srv.url}/dl/1.torrent")
        )
    assert user.outbox.texts() == ["This result has no usable magnet link or .torrent file."]
    assert srv.hits == []
