"""Transport-agnostic messages: what front-ends convert to and render from.

Front-ends turn platform events into ``Inbound`` and render ``Reply`` parts;
nothing in here knows about Telegram, Discord or the terminal.
"""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person on a platform, keyed by numeric id (never by username)."""

    platform: str
    id: int
    display_name: str = ""
    language_code: str | None = None  # what the platform says, e.g. "ru" or "en-US"

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class ChatRef:
    platform: str
    id: int
    kind: Literal["private", "group"] = "private"

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


class AttachmentKind(StrEnum):
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    PHOTO = "photo"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user sent; its bytes are fetched only when someone needs them."""

    kind: AttachmentKind
    file_id: str
    size: int | None = None
    mime_type: str | None = None
    filename: str | None = None
    duration: int | None = None
    fetch: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a user did: text, a /command, a button press, or an attachment."""

    user: UserRef
    chat: ChatRef
    text: str = ""
    update_id: str | None = None  # platform delivery id, for de-duplication
    button_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    message_id: int | None = None
    location: tuple[float, float] | None = None  # (latitude, longitude) the user shared

    @property
    def command(self) -> str | None:
        """``"start"`` for ``/start@bot payload``; None for plain text."""
        if self.button_id is not None or not self.text.startswith("/"):
            return None
        head = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        name = head.split("@", 1)[0].lower()
        return name or None

    @property
    def args(self) -> str:
        if self.command is None:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


# --- replies -----------------------------------------------------------------

_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """Outside text (tracker names, overviews, user names) made inert inside Markdown.

    A release called ``[FREE 4K](https://phish.example)`` must show as written,
    never as a hidden link; every ASCII punctuation mark is backslash-escaped.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def unescape_literal(markdown: str) -> str:
    """What a plain-text renderer shows for Markdown escapes (the inverse of ``literal``)."""
    return _MARKDOWN_ESCAPE.sub(r"\1", markdown)


@dataclass(frozen=True, slots=True)
class Button:
    """A button: ``id`` is the short opaque stored id, or ``url`` opens a link."""

    label: str
    id: str | None = None
    url: str | None = None


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Text:
    """Text in a Markdown subset (bold, italic, code, links, lists)."""

    text: str
    buttons: ButtonRows = ()


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    body: str = ""
    image_url: str | None = None
    buttons: ButtonRows = ()
    link: str | None = None


FileKind = Literal["document", "photo", "video", "audio", "voice"]
MAX_INLINE_BYTES = 10 * 1024 * 1024  # the largest File kept in memory (a fetched .torrent)


@dataclass(frozen=True, slots=True)
class File:
    """A file to send, read from ``path`` as it goes out (never loaded whole).

    Small content that is already in memory (a fetched .torrent, a test's bytes) is built
    with ``File.from_bytes``; anything on disk is sent by path.
    """

    filename: str
    path: Path | None = None
    kind: FileKind = "document"
    caption: str = ""
    inline: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if (self.path is None) == (self.inline is None):
            raise ValueError("a File needs exactly one of path or inline bytes")
        if self.inline is not None and len(self.inline) > MAX_INLINE_BYTES:
            raise ValueError(f"{self.filename}: over {MAX_INLINE_BYTES} bytes; send it by path")

    @classmethod
    def from_bytes(
        cls, filename: str, data: bytes, *, kind: FileKind = "document", caption: str = ""
    ) -> File:
        return cls(filename, kind=kind, caption=caption, inline=data)

    @property
    def size(self) -> int:
        """Bytes to send (from the file system for a path: nothing is read)."""
        if self.inline is not None:
            return len(self.inline)
        assert self.path is not None
        return self.path.stat().st_size

    def open(self) -> BinaryIO:
        """A fresh binary reader over the content; the caller closes it."""
        if self.inline is not None:
            return io.BytesIO(self.inline)
        assert self.path is not None
        return self.path.open("rb")


MAX_ALBUM = 10  # items one album message may hold (Telegram's media group limit)


@dataclass(frozen=True, slots=True)
class Album:
    """Photos and videos shown together (a gallery); 2 to ``MAX_ALBUM`` files by path.

    Front-ends without albums show the files one after another.
    """

    files: tuple[File, ...]
    caption: str = ""

    def __post_init__(self) -> None:
        if not 2 <= len(self.files) <= MAX_ALBUM:
            raise ValueError(f"an album holds 2 to {MAX_ALBUM} files, not {len(self.files)}")
        if any(f.kind not in ("photo", "video") for f in self.files):
            raise ValueError("an album holds only photos and videos")


Reply = Text | Card | File | Album
HandleKind = Literal["text", "media"]


@dataclass(frozen=True, slots=True)
class MessageHandle:
    """Where a sent reply landed, so it can be edited or removed later (even after a restart).

    ``message_ids`` are the platform messages showing the reply in order (a long text is
    cut into several); ``kind`` says whether the first is a text or a media message with
    a caption (a photo card, a file). Stored as JSON with ``to_dict``/``from_dict``.
    """

    platform: str
    chat_id: int
    message_ids: tuple[int, ...]
    kind: HandleKind = "text"

    @property
    def message_id(self) -> int:
        return self.message_ids[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "chat_id": self.chat_id,
            "message_ids": list(self.message_ids),
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> MessageHandle:
        kind = raw.get("kind", "text")
        if kind not in ("text", "media"):
            raise ValueError(f"unknown message handle kind {kind!r}")
        ids = tuple(int(i) for i in raw["message_ids"])
        if not ids:
            raise ValueError("a message handle names at least one message")
        return cls(str(raw["platform"]), int(raw["chat_id"]), ids, kind)


class Stream(Protocol):
    """Text that appears as it is generated; ``finish`` makes it final."""

    async def delta(self, text: str) -> None: ...

    async def finish(self, text: str, buttons: ButtonRows = ()) -> None: ...


class Outbox(Protocol):
    """Where a handler's replies go; each front-end implements it for one chat.

    ``edit`` changes a sent Text or Card in place (an unchanged one counts as edited; a
    Text with empty text replaces only the buttons) and returns the handle now showing
    it; a message that is gone raises ``MessageGone`` (core/notify.py).
    """

    async def send(self, reply: Reply) -> MessageHandle | None:
        """The handle of what was sent; None when nothing became a message (a toast)."""
        ...

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle: ...

    async def delete_message(self, handle: MessageHandle) -> bool:
        """Remove a message the bot sent; False when the platform won't."""
        ...

    def stream(self) -> Stream: ...

    async def typing(self) -> None: ...

    async def delete(self, message_id: int) -> bool:
        """Remove the user's message (e.g. one holding a password); False if impossible."""
        ...


def rows(*buttons: Button | None, per_row: int = 1) -> ButtonRows:
    """Lay out buttons ``per_row`` to a row, skipping ``None``."""
    present = [b for b in buttons if b is not None]
    return tuple(tuple(present[i : i + per_row]) for i in range(0, len(present), per_row))
