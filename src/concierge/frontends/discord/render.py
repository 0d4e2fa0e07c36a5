"""Core replies → the Discord messages that show them (pure: no I/O here).

Core text is a Markdown subset Discord renders as is; outside text already arrives
escaped (``messages.literal``), which Discord's Markdown honours. Texts over 2,000
characters are cut at paragraph boundaries; cards become one embed (Discord's embed
limits respected, the rest of a long body follows as text); buttons become components
whose ``custom_id`` is the core's short button id.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import discord
import structlog

from concierge.core.frontend import FileTooLarge
from concierge.core.messages import Album, ButtonRows, Card, File, Reply, Text

log = structlog.get_logger(__name__)

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
EMPTY_TEXT = "…"  # Discord refuses an empty message; buttons alone still need one


@dataclass(frozen=True, slots=True)
class Out:
    """One Discord message: text, at most one embed, buttons, at most one file."""

    content: str = ""
    embed: discord.Embed | None = None
    buttons: ButtonRows = ()
    file: File | None = None


def split(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, else a line, else a word."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator, 0, limit)
            if cut > limit // 4:
                break
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def view(buttons: ButtonRows) -> discord.ui.View | None:
    """Components for the core's buttons; ones Discord would refuse are left out.

    The view is stopped before it is sent: presses are routed by ``custom_id`` through
    the core's button store (so they survive restarts), not by discord.py's view store.
    """
    if not buttons:
        return None
    layout = discord.ui.View(timeout=None)
    for row_index, row in enumerate(buttons[:MAX_ROWS]):
        for button in row[:MAX_PER_ROW]:
            label = (button.label.strip() or "•")[:MAX_LABEL]
            if button.id is not None and 0 < len(button.id) <= MAX_CUSTOM_ID:
                item = discord.ui.Button[discord.ui.View](
                    label=label, custom_id=button.id, row=row_index
                )
            elif button.url is not None and button.url.startswith(("https://", "http://")):
                item = discord.ui.Button(label=label, url=button.url, row=row_index)
            else:
                log.error("discord_button_dropped", label=label, has_url=button.url is not None)
                continue
            layout.add_item(item)
    if len(buttons) > MAX_ROWS or any(len(r) > MAX_PER_ROW for r in buttons):
        log.error("discord_buttons_truncated", rows=len(buttons))
    layout.stop()
    return layout if layout.children else None


def text_messages(text: str, buttons: ButtonRows) -> list[Out]:
    """One message per piece; the buttons go on the last one."""
    pieces = split(text)
    if not pieces:
        return [Out(EMPTY_TEXT, buttons=buttons)] if buttons else []
    out = [Out(p) for p in pieces]
    out[-1] = Out(out[-1].content, buttons=buttons)
    return out


def embed(card: Card) -> tuple[discord.Embed, str]:
    """The card's embed, and what of its body did not fit (sent after it as text)."""
    body = card.body.strip()
    rest = ""
    if len(body) > MAX_DESCRIPTION:
        head = split(body, MAX_DESCRIPTION)[0]
        body, rest = head, body[len(head) :].strip()
    link = card.link if card.link and card.link.startswith(("https://", "http://")) else None
    shown = discord.Embed(title=card.title.strip()[:MAX_TITLE] or None, url=link, description=body)
    image = card.image_url
    if image and image.startswith(("https://", "http://")):
        shown.set_image(url=image)
    return shown, rest


def render_card(card: Card) -> list[Out]:
    shown, rest = embed(card)
    if not rest:
        return [Out(embed=shown, buttons=card.buttons)]
    return [Out(embed=shown), *text_messages(rest, card.buttons)]


def render_file(file: File, upload_limit: int) -> list[Out]:
    size = file.size
    if size > upload_limit:
        raise FileTooLarge(file.filename, size, upload_limit)
    caption = split(file.caption)
    out = [Out(caption[0] if caption else "", file=file)]
    out.extend(Out(piece) for piece in caption[1:])
    return out


def render_reply(reply: Reply, upload_limit: int) -> list[Out]:
    """The messages that show ``reply``; raises ``FileTooLarge`` for oversized files."""
    if isinstance(reply, Text):
        return text_messages(reply.text, reply.buttons)
    if isinstance(reply, Card):
        return render_card(reply)
    if isinstance(reply, Album):  # one message per file, the album's caption on the first
        out: list[Out] = []
        for index, file in enumerate(reply.files):
            caption = reply.caption if index == 0 and reply.caption else file.caption
            out.extend(render_file(dataclasses.replace(file, caption=caption), upload_limit))
        return out
    return render_file(reply, upload_limit)
