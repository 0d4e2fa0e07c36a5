"""Core replies → the Bot API messages that show them (pure: no I/O here).

Texts become one or more messages cut at Telegram's 4096 limit; cards become a
photo with a caption (the part over 1024 characters follows as a message) or
plain text; buttons are inline keyboards carrying the core's short ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity

from concierge.core.messages import Album, ButtonRows, Card, File, FileKind, Reply, Text
from concierge.frontends.telegram.markdown import (
    MAX_CAPTION,
    Rendered,
    escape_markdown,
    head_and_rest,
    render_markdown,
    safe_url,
    split,
)

log = structlog.get_logger(__name__)

MAX_CALLBACK_BYTES = 64
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # larger photos go as documents (Bot API limit)
EMPTY_TEXT = "…"  # Telegram refuses an empty message; buttons alone still need one


class FileTooLarge(ValueError):
    """The file is over the Bot API's upload limit for this server."""

    def __init__(self, filename: str, size: int, limit: int) -> None:
        super().__init__(f"{filename} is {size} bytes, over the {limit}-byte upload limit")
        self.filename = filename
        self.size = size
        self.limit = limit


@dataclass(frozen=True, slots=True)
class TextOut:
    text: str
    entities: tuple[MessageEntity, ...] = ()
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class PhotoOut:
    """A photo by URL (Telegram fetches it); ``fallback`` if Telegram can't."""

    url: str
    caption: str
    entities: tuple[MessageEntity, ...]
    markup: InlineKeyboardMarkup | None
    fallback: tuple[TextOut, ...]


@dataclass(frozen=True, slots=True)
class FileOut:
    """A file upload; ``source`` is opened only as it goes out (streamed from disk)."""

    kind: FileKind
    source: File
    filename: str
    caption: str = ""
    entities: tuple[MessageEntity, ...] = ()


@dataclass(frozen=True, slots=True)
class AlbumOut:
    """A media group: photos and videos uploaded together, the caption on the first."""

    files: tuple[File, ...]
    caption: str = ""
    entities: tuple[MessageEntity, ...] = ()


Outgoing = TextOut | PhotoOut | FileOut | AlbumOut


def keyboard(buttons: ButtonRows) -> InlineKeyboardMarkup | None:
    """Inline keyboard for the core's buttons; ones Telegram would refuse are left out."""
    rows: list[list[InlineKeyboardButton]] = []
    for row in buttons:
        line: list[InlineKeyboardButton] = []
        for button in row:
            label = button.label.strip() or "•"
            if button.id is not None and 0 < len(button.id.encode()) <= MAX_CALLBACK_BYTES:
                line.append(InlineKeyboardButton(label, callback_data=button.id))
            elif button.url is not None and safe_url(button.url) is not None:
                line.append(InlineKeyboardButton(label, url=safe_url(button.url)))
            else:
                log.error("telegram_button_dropped", label=label, has_url=button.url is not None)
        if line:
            rows.append(line)
    return InlineKeyboardMarkup(rows) if rows else None


def text_messages(rendered: Rendered, markup: InlineKeyboardMarkup | None) -> list[TextOut]:
    """One message per piece; the keyboard goes on the last one."""
    pieces = split(rendered)
    if not pieces:
        return [TextOut(EMPTY_TEXT, (), markup)] if markup is not None else []
    out = [TextOut(p.text, p.entities) for p in pieces]
    out[-1] = TextOut(out[-1].text, out[-1].entities, markup)
    return out


def card_markdown(card: Card) -> str:
    title = escape_markdown(card.title.strip())
    link = safe_url(card.link)
    heading = f"**[{title}]({link})**" if link and title else f"**{title}**" if title else ""
    return "\n\n".join(part for part in (heading, card.body.strip()) if part)


def render_card(card: Card) -> list[Outgoing]:
    rendered = render_markdown(card_markdown(card))
    markup = keyboard(card.buttons)
    as_text = text_messages(rendered, markup)
    image = safe_url(card.image_url)
    if image is None or not image.startswith(("http://", "https://")):
        return list(as_text)
    head, rest = head_and_rest(rendered, MAX_CAPTION)
    if rest is None:
        return [PhotoOut(image, head.text, head.entities, markup, tuple(as_text))]
    return [
        PhotoOut(image, head.text, head.entities, None, tuple(as_text)),
        *text_messages(rest, markup),
    ]


def render_file(file: File, upload_limit: int) -> list[Outgoing]:
    size = file.size
    if size > upload_limit:
        raise FileTooLarge(file.filename, size, upload_limit)
    kind: FileKind = file.kind
    if kind == "photo" and size > MAX_PHOTO_BYTES:
        kind = "document"
    caption = render_markdown(file.caption) if file.caption.strip() else Rendered("")
    head, rest = head_and_rest(caption, MAX_CAPTION)
    out: list[Outgoing] = [FileOut(kind, file, file.filename, head.text, head.entities)]
    if rest is not None:
        out.extend(text_messages(rest, None))
    return out


def render_album(album: Album, upload_limit: int) -> list[Outgoing]:
    for file in album.files:
        if file.size > upload_limit:
            raise FileTooLarge(file.filename, file.size, upload_limit)
    if any(f.kind == "photo" and f.size > MAX_PHOTO_BYTES for f in album.files):
        return [out for f in album.files for out in render_file(f, upload_limit)]  # as files
    caption = render_markdown(album.caption) if album.caption.strip() else Rendered("")
    head, rest = head_and_rest(caption, MAX_CAPTION)
    out: list[Outgoing] = [AlbumOut(album.files, head.text, head.entities)]
    if rest is not None:
        out.extend(text_messages(rest, None))
    return out


def render_reply(reply: Reply, upload_limit: int) -> list[Outgoing]:
    """The messages that show ``reply``; raises ``FileTooLarge`` for oversized files."""
    if isinstance(reply, Album):
        return render_album(reply, upload_limit)
    if isinstance(reply, Text):
        return list(text_messages(render_markdown(reply.text), keyboard(reply.buttons)))
    if isinstance(reply, Card):
        return render_card(reply)
    return render_file(reply, upload_limit)
