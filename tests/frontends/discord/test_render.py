"""Core replies → Discord messages: Discord's limits on text, embeds and components."""

from __future__ import annotations

import pytest

from concierge.core.frontend import FileTooLarge
from concierge.core.messages import Button, Card, File, Text, literal, rows
from concierge.frontends.discord.render import MAX_CONTENT, render_reply, split, view


def test_split_cuts_at_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["a" * 1200, "b" * 1200, "c" * 300]
    assert split("\n\n".join(paragraphs)) == ["a" * 1200, "b" * 1200 + "\n\n" + "c" * 300]
    one_paragraph = "\n".join(["line " * 100] * 6)  # ~3000 characters, no blank line
    pieces = split(one_paragraph)
    assert all(len(p) <= MAX_CONTENT for p in pieces) and len(pieces) == 2
    assert pieces[0].endswith("line")
    words = " ".join(["word"] * 900)
    assert [len(p) for p in split(words)] == [1999, 1999, 499]
    assert split("x" * 4500) == ["x" * 2000, "x" * 2000, "x" * 500]


async def test_a_card_becomes_one_embed_with_buttons_and_its_long_body_follows() -> None:
    card = Card(
        title=literal("Dune [FREE 4K](https://phish.example)"),
        body="Overview. " * 600,
        image_url="https://image.example.org/dune.jpg",
        link="javascript:alert(1)",
        buttons=rows(Button("Torrents", id="abc123"), Button("IMDb", url="https://imdb.com/")),
    )
    first, *rest = render_reply(card, 10)
    assert first.embed is not None and first.embed.url is None  # only http(s) links
    assert first.embed.title == card.title  # escaped outside text stays inert in Discord
    assert len(first.embed.description or "") <= 4096
    assert first.buttons == ()
    assert rest and rest[-1].buttons == card.buttons  # the buttons go on the last message
    total = (first.embed.description or "") + "".join(out.content for out in rest)
    assert total.replace(" ", "") == card.body.replace(" ", "")


async def test_buttons_carry_the_core_ids_and_ones_discord_refuses_are_left_out() -> None:
    buttons = (
        tuple(Button(f"b{i}", id=f"id{i}") for i in range(7)),  # 7 in a row: Discord takes 5
        (Button("no target"), Button("x" * 120, id="long-label")),
    )
    shown = view(buttons)
    assert shown is not None and shown.is_finished()  # routed by the core, not the view store
    components = shown.to_components()
    ids = [b["custom_id"] for row in components for b in row["components"] if "custom_id" in b]
    assert ids == ["id0", "id1", "id2", "id3", "id4", "long-label"]
    labels = [b["label"] for row in components for b in row["components"]]
    assert max(len(label) for label in labels) == 80


def test_files_over_the_limit_are_refused() -> None:
    with pytest.raises(FileTooLarge):
        render_reply(File.from_bytes("a.bin", b"x" * 11), 10)
    (out,) = render_reply(File.from_bytes("a.bin", b"x" * 10, caption="Here"), 10)
    assert out.content == "Here" and out.file is not None


def test_empty_text_with_buttons_still_makes_a_message() -> None:
    (out,) = render_reply(Text("", buttons=rows(Button("Go", id="g"))), 10)
    assert out.content == "…"
    assert render_reply(Text("  "), 10) == []
