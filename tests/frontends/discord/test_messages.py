"""DMs through the real discord.py client: streamed answers, long texts, files, attachments."""

from __future__ import annotations

import itertools

from concierge.storage.db import Database
from tests.fakes.agent import FakeAgent
from tests.frontends.discord.conftest import OWNER, Stack, build_stack, running
from tests.support.fake_discord import CHANNEL_ID, FakeDiscord

SEND = "POST /channels/{channel_id}/messages"
EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
TYPING = "POST /channels/{channel_id}/typing"
ORIGINAL = "PATCH /webhooks/{app_id}/{token}/messages/{message_id}"


async def test_dm_conversation_streams_one_edited_message(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    agent = FakeAgent(["Dune ", "(2021) is ", "**great**", " — and long."], pause=0.08)
    stack = build_stack(sqlite_db, agent=agent)
    async with running(stack.frontend(fake)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "tell me about Dune"))
        final = "Dune (2021) is **great** — and long."
        await fake.wait_for(
            lambda: any(c.body.get("content") == final for c in fake.calls_to(EDIT)),
            what="final edit",
        )
    assert agent.seen == [(f"discord:{OWNER}", "tell me about Dune")]
    (sent,) = fake.calls_to(SEND)  # one message, edited as the answer grew
    edits = fake.calls_to(EDIT)
    assert {c.path.rsplit("/", 1)[1] for c in edits} == {sent.result["id"]}
    texts = [sent.body["content"]] + [c.body["content"] for c in edits]
    assert len(texts) == len(set(texts))  # never edited without a change
    assert fake.calls_to(TYPING)[0].at < sent.at  # "typing…" while the model works
    assert all(c.ok for c in fake.calls), fake.summary()


async def test_a_5000_character_answer_arrives_as_three_messages_in_order(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    paragraphs = [
        f"Paragraph {i}: " + "spice " * 79 + "melange." for i in range(10)
    ]  # ~500 chars each
    answer = "\n\n".join(paragraphs)
    assert 4900 < len(answer) <= 6000
    stack = build_stack(sqlite_db, agent=FakeAgent([answer]))
    async with running(stack.frontend(fake)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "long please"))
        dm = await _dm_channel(fake)
        await fake.wait_for(lambda: len(fake.visible(dm)) == 3, what="three messages")
    shown = [m["content"] for m in fake.visible(dm)]
    assert all(len(text) <= 2000 for text in shown)
    assert "\n\n".join(shown) == answer.strip()  # cut at paragraph boundaries, nothing lost
    assert [int(m["id"]) for m in fake.visible(dm)] == sorted(
        int(m["id"]) for m in fake.visible(dm)
    )


async def _dm_channel(fake: FakeDiscord) -> int:
    await fake.wait_for(lambda: OWNER in fake.payloads.dm_channels, what="the DM channel")
    return fake.payloads.dm_channels[OWNER]


async def test_files_go_as_attachments_and_too_big_ones_get_a_clear_message(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake, upload_limit_mb=1)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "/file 2048"))
        dm = await _dm_channel(fake)
        await fake.wait_for(lambda: len(fake.visible(dm)) == 1, what="the file")
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "/file 2000000"))
        await fake.wait_for(lambda: len(fake.visible(dm)) == 2, what="the refusal")
    upload = fake.calls_to(SEND)[0]
    assert upload.files == {"report.txt": b"x" * 2048}
    assert upload.body["content"] == "Your *report*"
    refusal = fake.visible(dm)[1]
    assert refusal["content"] == stack.catalog.t(
        "discord.upload_too_big", "en", name="report.txt", size="1.9", limit="1.0"
    )
    assert not refusal["attachments"]


async def test_a_slash_command_file_respects_the_limit_discord_reports(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):  # no setting: what the interaction says
        find = fake.payloads.slash(OWNER, "file", {"text": "2000000"}, size_limit=1024 * 1024)
        fake.dispatch("INTERACTION_CREATE", find)
        await fake.wait_for(lambda: bool(fake.visible(CHANNEL_ID)), what="the refusal")
    (refusal,) = fake.visible(CHANNEL_ID)
    assert "Discord allows at most 1.0 MB" in refusal["content"]


async def test_attachments_and_voice_messages_become_core_attachments(
    fake: FakeDiscord, stack: Stack
) -> None:
    voice = fake.payloads.attachment("voice-message.ogg", b"O" * 300, "audio/ogg", duration=2.5)
    photo = fake.payloads.attachment("dune.png", b"P" * 120, "image/png")
    async with running(stack.frontend(fake)):
        message = fake.payloads.message_create(
            OWNER, "/attached", attachments=[voice, photo], voice=True
        )
        fake.dispatch("MESSAGE_CREATE", message)
        dm = await _dm_channel(fake)
        await fake.wait_for(lambda: bool(fake.visible(dm)), what="the answer")
    assert fake.visible(dm)[0]["content"] == "got voice:voice-message.ogg:300, photo:dune.png:120"


async def test_an_attachment_over_the_download_limit_is_refused_before_the_core(
    fake: FakeDiscord, stack: Stack
) -> None:
    big = fake.payloads.attachment("film.mkv", b"F" * (2 * 1024 * 1024), "video/x-matroska")
    async with running(stack.frontend(fake, download_limit_mb=1)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "", attachments=[big]))
        dm = await _dm_channel(fake)
        await fake.wait_for(lambda: bool(fake.visible(dm)), what="the refusal")
    (refusal,) = fake.visible(dm)
    assert refusal["content"] == stack.catalog.t("discord.download_too_big", "en", limit=1)


async def test_a_burst_of_40_replies_with_injected_429s_all_arrive_in_order(
    fake: FakeDiscord, stack: Stack
) -> None:
    fake.fail(SEND, 3, retry_after=0.05)
    async with running(stack.frontend(fake)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "/start"))
        dm = await _dm_channel(fake)
        await fake.wait_for(lambda: len(fake.visible(dm)) == 1, what="welcome")
        fake.fail(SEND, 2, retry_after=0.05, is_global=True)
        fake.fail(SEND, 4, retry_after=0.02)
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "/burst 40"))
        await fake.wait_for(lambda: len(fake.visible(dm)) == 41, seconds=30, what="40 replies")
    shown = [m["content"] for m in fake.visible(dm)[1:]]
    assert shown == [f"burst {i}" for i in range(40)]
    assert len([c for c in fake.calls_to(SEND) if c.status == 429]) == 9
    # six 429s in a row outlast discord.py's five tries; the outbox waited and tried again


async def test_stream_edits_are_throttled_to_the_interval(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    agent = FakeAgent([f"word{i} " for i in range(40)], pause=0.01)
    stack = build_stack(sqlite_db, agent=agent)
    async with running(stack.frontend(fake, stream_interval=0.15)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "talk"))
        await fake.wait_for(
            lambda: any("word39" in str(c.body.get("content")) for c in fake.calls_to(EDIT)),
            what="the final text",
        )
    updates = fake.calls_to(SEND, EDIT)
    assert 2 <= len(updates) <= 6  # 40 deltas over ~0.5 s, at most one update per 0.15 s
    gaps = [b.at - a.at for a, b in itertools.pairwise(updates[:-1])]  # the last is final
    assert all(gap >= 0.09 for gap in gaps), gaps  # 0.15 s apart, less HTTP jitter
