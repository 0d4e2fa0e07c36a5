"""Agent Markdown → Telegram text + entities, and splitting at Telegram's limits.

Formatting travels as ``MessageEntity`` objects (never parse_mode), so no
character in the text can break a message. telegramify-markdown does the
parsing; this module adds what a chat needs on top: HTML-like text, ``&``
and ``$`` are shown as written, links Telegram would refuse are dropped
(their text stays), and long texts are cut at paragraph or line boundaries.
Offsets and lengths are UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pyromark
from telegram import MessageEntity
from telegramify_markdown import RenderConfig, convert

from concierge.core.messages import literal

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_URL = 2048

_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_MATH
)
# An autolink (<https://…>) is kept; a backslash pair is already literal; any other
# `<`, `&` or `$` is escaped so HTML, entities and math show exactly as written.
_LITERAL = re.compile(r"(<(?:https?|tg)://[^\s<>]*>)|(\\.)|([<&$])", re.DOTALL)
_BARE_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}(?:[/?#]\S*)?$")
_ALLOWED_TYPES = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "blockquote",
        "expandable_blockquote",
    }
)
_CODE_TYPES = frozenset({"code", "pre"})


@dataclass(frozen=True, slots=True)
class Rendered:
    """Plain text plus the entities that format it."""

    text: str
    entities: tuple[MessageEntity, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.text.strip())


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_offsets(text: str) -> list[int]:
    """``offsets[i]`` = UTF-16 offset of ``text[i]``; the last item is the total."""
    if not text or max(text) <= "\uffff":  # no astral characters: one unit each (the C fast path)
        return list(range(len(text) + 1))
    offsets = [0] * (len(text) + 1)
    total = 0
    for i, char in enumerate(text):
        offsets[i] = total
        total += 2 if ord(char) > 0xFFFF else 1
    offsets[len(text)] = total
    return offsets


def escape_markdown(text: str) -> str:
    """Plain text made safe to interpolate into Markdown (every punctuation escaped)."""
    return literal(text)


def _code_ranges(markdown: str) -> list[tuple[int, int]]:
    """Character ranges the parser treats as code (left exactly as written).

    Found with every ``<`` neutralised, i.e. as the escaped text will parse: an
    HTML block would otherwise hide code spans inside it.
    """
    markdown = markdown.replace("<", "x")
    data = markdown.encode("utf-8")
    ranges: list[tuple[int, int]] = []
    for event, span in pyromark.events_with_range(markdown, options=_OPTIONS):
        if not isinstance(event, dict):
            continue
        start = event.get("Start")
        if (isinstance(start, dict) and "CodeBlock" in start) or "Code" in event:
            begin = len(data[: span["start"]].decode("utf-8", "replace"))
            end = begin + len(data[span["start"] : span["end"]].decode("utf-8", "replace"))
            if not ranges or begin >= ranges[-1][1]:
                ranges.append((begin, end))
    return ranges


def _protect(markdown: str) -> str:
    def literal(match: re.Match[str]) -> str:
        return match.group(0) if match.group(3) is None else "\\" + match.group(3)

    if not any(c in markdown for c in "<&$"):
        return markdown
    parts: list[str] = []
    cursor = 0
    for begin, end in _code_ranges(markdown):
        parts.append(_LITERAL.sub(literal, markdown[cursor:begin]))
        parts.append(markdown[begin:end])
        cursor = end
    parts.append(_LITERAL.sub(literal, markdown[cursor:]))
    return "".join(parts)


def safe_url(url: str | None) -> str | None:
    """The URL when Telegram will accept it as a link, else None."""
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    if _BARE_DOMAIN.match(url):
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.hostname and "." in parts.hostname:
        return url
    if parts.scheme == "tg" and parts.netloc:
        return url
    return None


def render_markdown(markdown: str) -> Rendered:
    """Markdown → text + entities Telegram accepts, whatever the input."""
    clean = markdown.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n")
    text, raw = convert(_protect(clean), latex_escape=False, config=RenderConfig.isolated())
    size = utf16_len(text)
    entities: list[MessageEntity] = []
    for entity in raw:
        if entity.type not in _ALLOWED_TYPES or entity.length <= 0 or entity.offset < 0:
            continue
        if entity.offset + entity.length > size:
            continue
        url = None
        if entity.type == "text_link":
            url = safe_url(entity.url)
            if url is None:
                continue
        language = entity.language if entity.type == "pre" and entity.language else None
        entities.append(
            MessageEntity(
                type=entity.type,
                offset=entity.offset,
                length=entity.length,
                url=url,
                language=language,
            )
        )
    return _trim(text, entities, _utf16_offsets(text), 0, len(text))


def plain(text: str) -> Rendered:
    """Text shown exactly as given, with no formatting."""
    return _trim(text, [], _utf16_offsets(text), 0, len(text))


def _inside(entities: list[MessageEntity], unit: int) -> bool:
    return any(e.offset < unit < e.offset + e.length for e in entities)


def _trim(
    text: str, entities: list[MessageEntity], offsets: list[int], begin: int, end: int
) -> Rendered:
    """``text[begin:end]`` without edge whitespace (Telegram trims it), entities rebased."""
    code_starts = {offsets.index(e.offset) for e in entities if e.type in _CODE_TYPES}
    while (
        begin < end and text[begin].isspace() and (text[begin] == "\n" or begin not in code_starts)
    ):
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    low, high = offsets[begin], offsets[end]
    kept: list[MessageEntity] = []
    for e in entities:
        start, stop = max(e.offset, low), min(e.offset + e.length, high)
        if stop <= start:
            continue
        kept.append(
            MessageEntity(
                type=e.type, offset=start - low, length=stop - start, url=e.url, language=e.language
            )
        )
    return Rendered(text[begin:end], tuple(kept))


def split(rendered: Rendered, limit: int = MAX_TEXT) -> list[Rendered]:
    """Pieces of at most ``limit`` UTF-16 units, cut at the best boundary available.

    Prefers a paragraph break, then a line break, then a space, in the later
    half of the window, and a cut outside every entity; an entity cut anyway
    (a huge code block) continues, formatted the same, in the next piece.
    """
    text, entities = rendered.text, list(rendered.entities)
    offsets = _utf16_offsets(text)
    pieces: list[Rendered] = []
    start = 0
    while start < len(text):
        if offsets[len(text)] - offsets[start] <= limit:
            cut = len(text)
        else:
            cut = _best_cut(text, entities, offsets, start, limit)
        piece = _trim(text, entities, offsets, start, cut)
        if piece:
            pieces.append(piece)
        start = cut
    return pieces


def head_and_rest(rendered: Rendered, limit: int) -> tuple[Rendered, Rendered | None]:
    """The first piece that fits ``limit`` (a caption) and everything after it."""
    text, entities = rendered.text, list(rendered.entities)
    offsets = _utf16_offsets(text)
    if offsets[len(text)] <= limit:
        return _trim(text, entities, offsets, 0, len(text)), None
    cut = _best_cut(text, entities, offsets, 0, limit)
    rest = _trim(text, entities, offsets, cut, len(text))
    return _trim(text, entities, offsets, 0, cut), (rest if rest else None)


def _best_cut(
    text: str, entities: list[MessageEntity], offsets: list[int], start: int, limit: int
) -> int:
    end = start
    while end < len(text) and offsets[end + 1] - offsets[start] <= limit:
        end += 1
    half = start + max(1, (end - start) // 2)
    for low, avoid_entities in ((half, True), (start + 1, True), (half, False)):
        for separator in ("\n\n", "\n", ". ", " "):
            position = text.rfind(separator, low, end)
            while position != -1:
                cut = position + len(separator)
                if not (avoid_entities and _inside(entities, offsets[cut])):
                    return cut
                position = text.rfind(separator, low, position)
    for cut in range(end, half - 1, -1):
        if not _inside(entities, offsets[cut]):
            return cut
    return max(end, start + 1)
