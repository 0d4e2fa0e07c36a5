"""Many users on one recording platform: replies, bot-initiated sends and edits by chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from concierge.bootstrap import App
from concierge.core.messages import (
    Card,
    ChatRef,
    File,
    Inbound,
    MessageHandle,
    Reply,
    Stream,
    Text,
    UserRef,
)
from tests.support.outbox import RecordingStream

PLATFORM = "telegram"


@dataclass
class Chats:
    """Every message to every chat, as a user would see them (edits replace in place)."""

    messages: dict[int, list[Reply]] = field(default_factory=dict)
    edits: dict[tuple[int, int], int] = field(default_factory=dict)

    def _send(self, chat: int, reply: Reply) -> MessageHandle:
        shown = self.messages.setdefault(chat, [])
        shown.append(reply)
        kind = "media" if isinstance(reply, File) else "text"
        return MessageHandle(PLATFORM, chat, (len(shown),), kind)

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        return self._send(platform_user_id, reply)

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        self.messages[handle.chat_id][handle.message_id - 1] = reply
        key = (handle.chat_id, handle.message_id)
        self.edits[key] = self.edits.get(key, 0) + 1
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        return True

    def files(self, chat: int) -> list[File]:
        return [r for r in self.messages.get(chat, []) if isinstance(r, File)]

    def texts(self, chat: int) -> list[str]:
        return [r.text for r in self.messages.get(chat, []) if isinstance(r, Text)]


@dataclass
class ChatBox:
    """The outbox of one user's private chat."""

    chats: Chats
    chat: int

    async def send(self, reply: Reply) -> MessageHandle:
        return self.chats._send(self.chat, reply)

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        return await self.chats.edit(handle, reply)

    async def delete_message(self, handle: MessageHandle) -> bool:
        return True

    def stream(self) -> Stream:
        return RecordingStream(self)  # type: ignore[arg-type]

    async def typing(self) -> None:
        return None

    async def delete(self, message_id: int) -> bool:
        return False


def attach(app: App) -> Chats:
    chats = Chats()
    app.notifier.register(PLATFORM, chats)
    return chats


async def say(app: App, chats: Chats, user_id: int, text: str, lang: str = "en") -> None:
    ref = UserRef(PLATFORM, user_id, f"user{user_id}", lang)
    inbound = Inbound(user=ref, chat=ChatRef(PLATFORM, user_id), text=text)
    await app.dispatcher.handle(inbound, ChatBox(chats, user_id))


async def press(app: App, chats: Chats, user_id: int, button_id: str) -> None:
    ref = UserRef(PLATFORM, user_id, f"user{user_id}", "en")
    inbound = Inbound(user=ref, chat=ChatRef(PLATFORM, user_id), button_id=button_id)
    await app.dispatcher.handle(inbound, ChatBox(chats, user_id))


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Wait for real work (child processes) to reach a state; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
