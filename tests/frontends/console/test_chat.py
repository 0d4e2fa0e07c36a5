"""The terminal chat: numbered buttons, scripted input, notices for the local user."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from concierge.core.messages import Button, Card, File, MessageHandle, Text, rows
from concierge.core.notify import MessageGone, Notifier
from concierge.frontends.console.chat import ConsoleChat, ConsoleOutbox, console_user
from concierge.frontends.console.render import ButtonBoard, render_reply
from concierge.storage.db import Database
from concierge.storage.repos import UserRepo
from tests.support.app import running_app


async def test_typing_a_number_presses_the_button(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        out = io.StringIO()
        chat = ConsoleChat(
            app.dispatcher,
            tmp_path / "files",
            stdin=io.StringIO(),
            stdout=out,
            user=console_user("en_US.UTF-8"),
        )
        await chat.handle_line("/language")
        assert "[2] Русский" in out.getvalue()
        await chat.handle_line("2")
        assert out.getvalue().rstrip().endswith("Готово: буду отвечать по-русски.")
        await chat.handle_line("7")  # no such button now: an ordinary message
        stored = await app.users.find("console", 1)
        assert stored is not None and stored.language == "ru"


async def test_piped_input_is_read_to_the_end(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        out = io.StringIO()
        chat = ConsoleChat(
            app.dispatcher,
            tmp_path / "files",
            stdin=io.StringIO("/start\n\n/cancel\n"),
            stdout=out,
            user=console_user("en"),
        )
        await chat.run()
        assert "I'm Concierge" in out.getvalue() and "Cancelled." in out.getvalue()


def test_cards_links_and_files_render_for_a_terminal(tmp_path: Path) -> None:
    board = ButtonBoard()
    card = Card(
        "Dune: Part Two (2024)",
        "⭐ 8.2",
        image_url="https://img/x.jpg",
        buttons=rows(Button("Magnet", id="abc"), Button("TMDB", url="https://tmdb/1")),
    )
    shown = render_reply(card, board, tmp_path)
    assert "━━ Dune: Part Two (2024) ━━" in shown and "[2] TMDB → https://tmdb/1" in shown
    assert board.pressed("1") == Button("Magnet", id="abc")
    saved = render_reply(
        File.from_bytes("../../evil.torrent", b"d8:announce", caption="torrent"), board, tmp_path
    )
    assert (tmp_path / "evil.torrent").read_bytes() == b"d8:announce"
    assert "evil.torrent" in saved
    assert render_reply(Text("plain"), board, tmp_path) == "plain"


async def test_a_notice_is_edited_in_place_by_number_and_files_are_copied(
    tmp_path: Path, sqlite_db: Database
) -> None:
    out = io.StringIO()
    outbox = ConsoleOutbox(out, ButtonBoard(), tmp_path / "files", live=False)
    notifier = Notifier(UserRepo(sqlite_db))
    notifier.register("console", outbox)
    handle = await outbox.send_to_user(1, Text("Downloading… 10%"))
    edited = await notifier.edit(handle, Text("Downloading… 90%"))
    assert edited == handle and out.getvalue().splitlines()[-1] == "✎ #1: Downloading… 90%"
    with pytest.raises(MessageGone):
        await notifier.edit(MessageHandle("console", 1, (9,)), Text("never shown"))

    source = tmp_path / "episode.mkv"
    source.write_bytes(b"\x00\x01" * 100_000)
    await outbox.send(File("episode.mkv", source, kind="video"))
    assert (tmp_path / "files" / "episode.mkv").read_bytes() == source.read_bytes()
    assert "(200000 bytes)" in out.getvalue()
