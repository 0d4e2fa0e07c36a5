"""`concierge chat`: talk to the bot in a terminal, or script it through stdin."""

from __future__ import annotations

import asyncio
import getpass
import locale
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from concierge.core.dispatch import Dispatcher
from concierge.core.messages import (
    ButtonRows,
    Card,
    ChatRef,
    File,
    HandleKind,
    Inbound,
    MessageHandle,
    Reply,
    Text,
    UserRef,
)
from concierge.core.notify import MessageGone
from concierge.frontends.console.render import ButtonBoard, render_reply

CONSOLE_USER_ID = 1
PLATFORM = "console"


def console_user(language: str | None = None) -> UserRef:
    """The local operator: owner of the bot, language from the terminal's locale."""
    lang = language or os.environ.get("LANG") or (locale.getlocale()[0] or "")
    try:
        name = getpass.getuser()
    except OSError:
        name = "owner"
    return UserRef(PLATFORM, CONSOLE_USER_ID, display_name=name, language_code=lang or None)


class ConsoleStream:
    def __init__(self, outbox: ConsoleOutbox) -> None:
        self._outbox = outbox
        self._shown = ""

    async def delta(self, text: str) -> None:
        if self._outbox.live:
            self._outbox.write(text, end="")
        self._shown += text

    async def finish(self, text: str, buttons: ButtonRows = ()) -> None:
        if self._outbox.live and self._shown and text.startswith(self._shown):
            self._outbox.write(text[len(self._shown) :])
            if buttons:
                await self._outbox.send(Text("", buttons=buttons))
            return
        if self._outbox.live and self._shown:
            self._outbox.write("")
        await self._outbox.send(Text(text, buttons=buttons))


class ConsoleOutbox:
    """Prints replies; ``live`` streams deltas as they arrive (interactive terminals).

    Each printed reply is numbered (its handle's message id), so a later edit or
    deletion, e.g. a job's progress message, can say which one it replaces.
    """

    def __init__(
        self, out: TextIO, board: ButtonBoard, files_dir: Path, live: bool, chat_id: int = 1
    ) -> None:
        self._out = out
        self.board = board
        self.files_dir = files_dir
        self.live = live
        self.chat_id = chat_id
        self._sent = 0

    def write(self, text: str, end: str = "\n") -> None:
        self._out.write(text + end)
        self._out.flush()

    async def send(self, reply: Reply) -> MessageHandle:
        self.write(render_reply(reply, self.board, self.files_dir).strip("\n"))
        self._sent += 1
        kind: HandleKind = "media" if isinstance(reply, File) else "text"
        return MessageHandle(PLATFORM, self.chat_id, (self._sent,), kind)

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        """A terminal can't change printed lines: the new version is printed, marked."""
        if handle.message_id > self._sent:
            raise MessageGone(f"console message {handle.message_id} was never shown")
        shown = render_reply(reply, self.board, self.files_dir).strip("\n")
        self.write(f"✎ #{handle.message_id}: {shown}")
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        self.write(f"✕ #{handle.message_id}")
        return True

    def stream(self) -> ConsoleStream:
        return ConsoleStream(self)

    async def typing(self) -> None:
        return None

    async def delete(self, message_id: int) -> bool:
        """A terminal can't take back what was typed; callers tell the user instead."""
        return False

    # --- the Notifier's sender for the local user -------------------------------------

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        return await self.send(reply)


class ConsoleChat:
    def __init__(
        self,
        dispatcher: Dispatcher,
        files_dir: Path,
        *,
        user: UserRef | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._interactive = self._stdin.isatty() and self._stdout.isatty()
        self.user = user or console_user()
        self.outbox = ConsoleOutbox(
            self._stdout, ButtonBoard(), files_dir, self._interactive, self.user.id
        )
        self._counter = 0

    def _inbound(self, line: str) -> Inbound:
        self._counter += 1
        chat = ChatRef(PLATFORM, self.user.id)
        button = self.outbox.board.pressed(line)
        if button is not None and button.id is not None:
            return Inbound(user=self.user, chat=chat, button_id=button.id, message_id=self._counter)
        return Inbound(user=self.user, chat=chat, text=line, message_id=self._counter)

    async def handle_line(self, line: str) -> None:
        line = line.rstrip("\r\n")
        if not line.strip():
            return
        pressed = self.outbox.board.pressed(line)
        if pressed is not None and pressed.url is not None:
            self.outbox.write(pressed.url)
            return
        inbound = self._inbound(line)
        self.outbox.board.reset()
        await self._dispatcher.handle(inbound, self.outbox)

    async def run(self, read_line: Callable[[], str] | None = None) -> None:
        """Read until end of input; each line is one message, handled in order."""
        reader = read_line or self._read_line
        while True:
            line = await asyncio.to_thread(reader)
            if line == "":
                return
            await self.handle_line(line)

    def _read_line(self) -> str:
        if self._interactive:
            try:
                return input("you › ") + "\n"
            except EOFError:
                return ""
        return self._stdin.readline()
