"""The terminal chat: numbered buttons, scripted input, notices for the local user."""

from __future__ import annotations

import io
from pathlib import Path

from concierge.core.messages import Button, Card, File, Text, rows
from concierge.frontends.console.chat import ConsoleChat, console_user
from concierge.frontends.console.render import ButtonBoard, render_reply
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
