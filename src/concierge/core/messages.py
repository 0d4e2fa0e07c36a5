"""Transport-agnostic messages: what front-ends convert to and render from.

Front-ends turn platform events into ``Inbound`` and render ``Reply`` parts;
nothing in here knows about Telegram, Discord or the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol


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


@dataclass(frozen=True, slots=True)
class File:
    filename: str
    data: bytes
    kind: FileKind = "document"
    caption: str = ""


Reply = Text | Card | File


class Stream(Protocol):
    """Text that appears as it is generated; ``finish`` makes it final."""

    async def delta(self, text: str) -> None: ...

    async def finish(self, text: str, buttons: ButtonRows = ()) -> None: ...


class Outbox(Protocol):
    """Where a handler's replies go; each front-end implements it for one chat."""

    async def send(self, reply: Reply) -> None: ...

    def stream(self) -> Stream: ...

    async def typing(self) -> None: ...

    async def delete(self, message_id: int) -> bool:
        """Remove the user's message (e.g. one holding a password); False if impossible."""
        ...


def rows(*buttons: Button | None, per_row: int = 1) -> ButtonRows:
    """Lay out buttons ``per_row`` to a row, skipping ``None``."""
    present = [b for b in buttons if b is not None]
    return tuple(tuple(present[i : i + per_row]) for i in range(0, len(present), per_row))
