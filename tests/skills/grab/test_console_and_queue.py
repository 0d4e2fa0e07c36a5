"""The terminal journey (a pasted link and "download <link>" through the offline model),
and /queue → Cancel stopping a running download's child and removing its files."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from concierge.core.messages import Text
from concierge.frontends.console.chat import PLATFORM, ConsoleChat, console_user
from concierge.skills.grab.models import GrabRow
from concierge.storage.jobs import EmbeddedJobs
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import attach, press, say, until
from tests.skills.grab.test_restart import children_in, slow_clip
from tests.support.fixture_server import FixtureServer


async def test_console_link_and_offline_intent(
    tmp_path: Path, site: FixtureServer, media: dict[str, bytes]
) -> None:
    async with grab_app(tmp_path) as app:
        out = io.StringIO()
        chat = ConsoleChat(
            app.dispatcher, tmp_path / "files", stdin=io.StringIO(), stdout=out,
            user=console_user("ru_RU.UTF-8"),
        )  # fmt: skip
        app.notifier.register(PLATFORM, chat.outbox)
        assert isinstance(app.jobs, EmbeddedJobs)
        await chat.handle_line(f"{site.url}/clip.mp4")
        await app.jobs.run_until_idle()
        await chat.handle_line(f"скачай {site.url}/red.png")
        await app.jobs.run_until_idle()
        exported = app.metrics.render().decode()
    assert "concierge_grab_bytes_total" in exported
    delivered = len(media["clip.mp4"]) + len(media["red.png"])
    assert f"concierge_grab_bytes_total {float(delivered)}" in exported
    shown = out.getvalue()
    assert "⏳ В очереди, место 1" in shown
    assert "✎ #1: ✅ Готово" in shown
    assert f"📎 video: {tmp_path / 'files'}" in shown
    saved = sorted((tmp_path / "files").iterdir())
    assert [p.read_bytes() for p in saved if p.suffix == ".mp4"] == [media["clip.mp4"]]
    assert [p.read_bytes() for p in saved if p.suffix == ".png"] == [media["red.png"]]
    assert "📎 photo:" in shown


async def test_queue_lists_and_cancel_stops_the_running_download(
    tmp_path: Path, media: dict[str, bytes]
) -> None:
    with FixtureServer({"/slow.mp4": slow_clip(media["clip.mp4"], seconds=30)}) as site:  # type: ignore[dict-item]
        async with grab_app(tmp_path) as app:
            chats = attach(app)
            await say(app, chats, 1, f"{site.url}/slow.mp4")
            await app.jobs.start()

            async def running() -> bool:
                return bool(site.hits_for("/slow.mp4")) and bool(children_in(Path.cwd()))

            await until(running, 60, "the download to run")
            await say(app, chats, 1, "/queue")
            listing = chats.messages[1][-1]
            assert isinstance(listing, Text) and "downloading" in listing.text
            cancel = listing.buttons[0][0]
            assert cancel.label == "Cancel 1" and cancel.id is not None
            await press(app, chats, 1, cancel.id)
            assert chats.texts(1)[-1] == "Stopping the download…"

            async def cancelled() -> bool:
                async with app.db.session() as s:
                    row = await s.scalar(select(GrabRow))
                return row is not None and row.status == "cancelled"

            await until(cancelled, 30, "the cancel")
            await app.jobs.stop()
    assert chats.texts(1)[0] == "✖️ Cancelled."  # the progress message, edited in place
    assert chats.files(1) == []
    assert not children_in(Path.cwd())
    assert not any((tmp_path / "grab" / "jobs").glob("*"))
