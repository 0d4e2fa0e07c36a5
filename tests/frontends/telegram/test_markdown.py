"""Markdown → text + entities: hostile input never breaks a message or hides text."""

from __future__ import annotations

import asyncio
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from telegram import Bot

from concierge.core.i18n import Catalog
from concierge.core.messages import Text
from concierge.frontends.telegram.markdown import (
    Rendered,
    escape_markdown,
    head_and_rest,
    render_markdown,
    safe_url,
    split,
    utf16_len,
)
from concierge.frontends.telegram.outbox import Delivery, TelegramOutbox
from tests.support.fake_telegram import TOKEN, BadRequest, FakeTelegram, check_entities

OWNER = 1001


def spans(rendered: Rendered) -> list[tuple[str, str]]:
    """(type, covered text) per entity, reading offsets as UTF-16 units like Telegram."""
    units = rendered.text.encode("utf-16-le")
    return [
        (str(e.type), units[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le"))
        for e in rendered.entities
    ]


def test_formatting_survives_characters_that_break_telegram_markdown() -> None:
    rendered = render_markdown(
        "**Dune_Part_Two** costs $5 & has [a (link)](https://x.example/a_(b)) 1*2*3 <b>no</b>"
    )
    assert rendered.text == "Dune_Part_Two costs $5 & has a (link) 123 <b>no</b>"
    assert spans(rendered) == [
        ("bold", "Dune_Part_Two"),
        ("text_link", "a (link)"),
        ("italic", "2"),
    ]


def test_offsets_count_utf16_units_for_emoji() -> None:
    rendered = render_markdown("🎬🍿 **Дюна** 👨‍👩‍👧 *ok*")
    assert spans(rendered) == [("bold", "Дюна"), ("italic", "ok")]
    check_entities(rendered.text, [e.to_dict() for e in rendered.entities])


def test_html_and_entities_are_shown_as_written_but_code_stays_verbatim() -> None:
    rendered = render_markdown("<div>\nhidden?\n</div> &amp; `a<b>&amp;`\n\n```\n<i>x</i>\n```")
    assert rendered.text == "<div>\nhidden?\n</div> &amp; a<b>&amp;\n\n<i>x</i>"


def test_links_telegram_would_refuse_keep_their_text() -> None:
    rendered = render_markdown("[click](javascript:alert(1)) [site](example.org/a) [x](<b>)")
    assert rendered.text == "click site x"
    assert [(e.type, e.url) for e in rendered.entities] == [("text_link", "https://example.org/a")]
    assert safe_url("https://" + "a" * 3000 + ".example") is None
    assert safe_url("tg://resolve?domain=concierge_bot") is not None


def test_escaped_title_is_literal() -> None:
    title = "Amélie *_[`] <3 (2001)"
    assert render_markdown(escape_markdown(title)).text == title


def test_split_prefers_paragraphs_and_never_cuts_outside_the_limit() -> None:
    paragraph = "word " * 150  # 750 characters
    rendered = render_markdown("\n\n".join(f"**{i}** {paragraph}" for i in range(12)))
    pieces = split(rendered, 4096)
    assert len(pieces) == 3
    for piece in pieces:
        assert utf16_len(piece.text) <= 4096
        assert re.match(r"^\d+ word", piece.text)  # each piece starts a paragraph
        check_entities(piece.text, [e.to_dict() for e in piece.entities])


def test_a_huge_code_block_continues_as_code_in_the_next_piece() -> None:
    rendered = render_markdown("intro\n\n```\n" + "x = 1\n" * 1500 + "```")
    pieces = split(rendered, 4096)
    assert len(pieces) == 4  # 9000 characters of code need three pieces
    assert pieces[0].text == "intro"
    assert all(p.entities[0].type == "pre" for p in pieces[1:])
    assert sum(p.text.count("x = 1") for p in pieces) == 1500


def test_caption_head_and_rest() -> None:
    rendered = render_markdown("**Title**\n\n" + "Body sentence. " * 100)
    head, rest = head_and_rest(rendered, 1024)
    assert rest is not None and utf16_len(head.text) <= 1024
    assert head.text.startswith("Title\n\nBody") and head.text.endswith("Body sentence.")
    assert rest.text.startswith("Body sentence.")
    assert (head.text + rest.text).count("Body sentence.") == 100
    assert spans(head) == [("bold", "Title")] and rest.entities == ()
    short, nothing = head_and_rest(render_markdown("short"), 1024)
    assert (short.text, nothing) == ("short", None)


# --- 200 random documents through the real bot to the fake API ------------------------------

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмн", min_size=1, max_size=10)
EMOJI = st.sampled_from(["😀", "🎬", "👍🏽", "🇷🇺", "❤️", "👨‍👩‍👧", "𝔘"])
HTML = st.sampled_from(
    ["<b>", "</i>", "<script>alert(1)</script>", "<a href='x'>", "a < b > c", "&amp;",
     "&lt;tag&gt;", "&#65;", "$5", "$x$", "<div>", "<!-- note -->", "<br/>"]
)  # fmt: skip
SYNTAX = st.sampled_from(
    ["*", "**", "_", "__", "[", "]", "(", ")", "`", "```", "# ", "> ", "- ", "1. ", "~~", "||",
     "\\", "|", "![", "    "]
)  # fmt: skip
URL = st.builds(
    lambda host, segment, repeat, group: f"https://{host}.example/{segment * repeat}{group}",
    st.text(alphabet="abcxyz", min_size=1, max_size=8),
    st.sampled_from(["a_b/", "x-y?", "c%20d&", "q=1*2", "[z].", "_i_"]),
    st.integers(1, 500),  # up to ~3000 characters
    st.sampled_from(["", "(film)", "_(2021)"]),
)
PARAGRAPH = st.builds(
    lambda words, repeat: " ".join(words * repeat),
    st.lists(WORD, min_size=5, max_size=10),
    st.integers(1, 80),
)
SEPARATOR = st.sampled_from([" ", " ", "\n", "\n\n", ""])
# A code fence's info string ("```python") names the language and is never shown.
INFO_STRING = re.compile(r"^[ \t>*+\-\d.]*(`{3,}|~{3,})[^`\n]*[^\s`]", re.MULTILINE)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A Markdown document and the pieces of text a reader must see, in order."""
    source: list[str] = []
    visible: list[str] = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["word", "word", "emoji", "html", "syntax", "link", "long"]))
        if kind == "word":
            piece = draw(WORD)
            visible.append(piece)
        elif kind == "emoji":
            piece = draw(EMOJI)
            visible.append(piece)
        elif kind == "html":
            piece = draw(HTML)
            visible.append(piece)
        elif kind == "link":
            label = draw(WORD)
            piece = f"[{label}]({draw(URL)})"
            visible.append(label)
        elif kind == "long":
            piece = draw(PARAGRAPH)
            visible.append(piece)
        else:
            piece = draw(SYNTAX)
        source.append(piece)
        source.append(draw(SEPARATOR))
    markdown = "".join(source)
    assume(not INFO_STRING.search(markdown) and len(markdown) < 12_000)
    return markdown, visible


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_random_markdown_always_renders_to_messages_telegram_accepts(fake: FakeTelegram) -> None:
    loop = asyncio.new_event_loop()
    bot = Bot(TOKEN, base_url=f"{fake.base_url}/bot")
    loop.run_until_complete(bot.initialize())

    async def nobody(_chat: int) -> None:
        raise AssertionError("no chat is blocked here")

    async def english() -> str:
        return "en"

    delivery = Delivery(bot, Catalog.load(), upload_limit=50 * 1024 * 1024, on_unreachable=nobody)
    outbox = TelegramOutbox(delivery, OWNER, private=True, lang=english)
    examples = 0

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(documents())
    def renders(document: tuple[str, list[str]]) -> None:
        nonlocal examples
        examples += 1
        markdown, visible = document
        before = len(fake.calls_to())
        loop.run_until_complete(outbox.send(Text(markdown)))
        calls = fake.calls_to()[before:]
        assert all(c.ok for c in calls), [(c.status, c.result) for c in calls]
        shown = _squash("".join(str(c.params.get("text", "")) for c in calls))
        cursor = 0
        for piece in visible:
            found = shown.find(_squash(piece), cursor)
            assert found >= 0, f"{piece!r} is missing from {shown[cursor : cursor + 200]!r}"
            cursor = found + len(_squash(piece))

    try:
        renders()
    finally:
        loop.run_until_complete(bot.shutdown())
        loop.close()
    assert examples == 200


def test_fake_server_rejects_what_telegram_rejects() -> None:
    for entities in (
        [{"type": "bold", "offset": 0, "length": 1}],  # 🎬 is two units: ends mid-emoji
        [{"type": "bold", "offset": 0, "length": 9}],  # past the end
        [{"type": "text_link", "offset": 0, "length": 2, "url": "javascript:x"}],
        [{"type": "bold", "offset": 0, "length": 3}, {"type": "italic", "offset": 2, "length": 3}],
    ):
        try:
            check_entities("🎬 abc", entities)
        except BadRequest:
            continue
        raise AssertionError(f"accepted {entities}")
