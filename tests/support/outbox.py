"""A recording Outbox: what a user would have seen, in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from concierge.core.messages import (
    Button,
    ButtonRows,
    Card,
    File,
    MessageHandle,
    Reply,
    Text,
    unescape_literal,
)


@dataclass
class RecordingStream:
    outbox: RecordingOutbox
    deltas: list[str] = field(default_factory=list)
    final: str | None = None

    async def delta(self, text: str) -> None:
        self.deltas.append(text)

    async def finish(self, text: str, buttons: ButtonRows = ()) -> None:
        self.final = text
        self.outbox.sent.append(Text(text, buttons=buttons))


@dataclass
class RecordingOutbox:
    sent: list[Reply] = field(default_factory=list)
    streams: list[RecordingStream] = field(default_factory=list)
    typing_count: int = 0
    deleted: list[int] = field(default_factory=list)
    platform: str = "test"  # the platform its handles name

    async def send(self, reply: Reply) -> MessageHandle:
        self.sent.append(reply)
        return MessageHandle(self.platform, 1, (len(self.sent),))

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        """The edited reply takes the place of the one it replaces."""
        self.sent[handle.message_id - 1] = reply
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        self.deleted.append(handle.message_id)
        return True

    def stream(self) -> RecordingStream:
        stream = RecordingStream(self)
        self.streams.append(stream)
        return stream

    async def typing(self) -> None:
        self.typing_count += 1

    async def delete(self, message_id: int) -> bool:
        self.deleted.append(message_id)
        return True

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        return await self.send(reply)

    # --- reading what was shown ---
    def texts(self) -> list[str]:
        """The visible text of each reply (Markdown escapes of outside text undone)."""
        shown: list[str] = []
        for reply in self.sent:
            if isinstance(reply, Text):
                shown.append(unescape_literal(reply.text))
            elif isinstance(reply, Card):
                shown.append(f"{reply.title}\n{unescape_literal(reply.body)}")
            elif isinstance(reply, File):
                shown.append(unescape_literal(reply.caption))
        return shown

    def all_text(self) -> str:
        return "\n".join(self.texts())

    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for reply in self.sent:
            if isinstance(reply, (Text, Card)):
                found.extend(b for row in reply.buttons for b in row)
        return found

    def button(self, label: str) -> Button:
        for b in reversed(self.buttons()):
            if b.label == label:
                return b
        raise AssertionError(f"no button {label!r} among {[b.label for b in self.buttons()]}")

    def clear(self) -> None:
        self.sent.clear()
        self.streams.clear()
        self.typing_count = 0
