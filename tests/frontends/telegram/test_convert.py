"""Inbound files: described on arrival, downloaded only when a handler asks."""

from __future__ import annotations

from typing import Any

from concierge.core.messages import AttachmentKind
from concierge.core.skill import Context
from concierge.frontends.telegram.convert import AttachmentError, AttachmentTooLarge
from concierge.storage.db import Database
from tests.frontends.telegram.conftest import OWNER, build_stack, running
from tests.support.fake_telegram import FakeTelegram

MB = 1024 * 1024


class FileReader:
    """An agent that reads the attachment it was given, as a transcriber would."""

    def __init__(self) -> None:
        self.kinds: list[AttachmentKind] = []

    async def run(self, ctx: Context, text: str) -> None:
        if not ctx.inbound.attachments:
            await ctx.reply(f"no attachment: {text}")
            return
        attachment = ctx.inbound.attachments[0]
        self.kinds.append(attachment.kind)
        assert attachment.fetch is not None
        try:
            data = await attachment.fetch()
        except AttachmentTooLarge as exc:
            await ctx.reply(f"too large: {exc.size}")
            return
        except AttachmentError as exc:
            await ctx.reply(f"unavailable: {exc}")
            return
        await ctx.reply(f"got {len(data)} bytes from {attachment.filename}")


def document(file_id: str, size: int, name: str = "notes.txt") -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": name,
        "mime_type": "text/plain",
        "file_size": size,
    }


async def test_document_is_downloaded_lazily(fake: FakeTelegram, sqlite_db: Database) -> None:
    reader = FileReader()
    stack = build_stack(sqlite_db, agent=reader)
    fake.add_file("doc-1", b"hello world")
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", document=document("doc-1", 11), caption="read it"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    assert fake.sent_texts(OWNER) == ["got 11 bytes from notes.txt"]
    assert reader.kinds == [AttachmentKind.DOCUMENT]
    assert [c.params["file_id"] for c in fake.calls_to("getFile")] == ["doc-1"]


async def test_file_over_the_download_limit_gets_a_clear_answer(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    reader = FileReader()
    stack = build_stack(sqlite_db, agent=reader)
    big = document("big-1", 25 * MB, "film.mkv")
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", document=big, caption="what is this?", language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2)
    refusal, answer = fake.sent_texts(OWNER)
    assert refusal == stack.catalog.t("telegram.download_too_big", "ru", limit=20)
    assert answer == "no attachment: what is this?"  # the words still reach the bot
    assert not fake.calls_to("getFile")


async def test_configured_download_limit_for_a_local_bot_api_server(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    stack = build_stack(sqlite_db, agent=FileReader())
    fake.add_file("doc-2", b"y" * (3 * MB))
    async with running(stack.frontend(fake, download_limit_mb=2)):
        fake.push(fake.text_update(OWNER, "", document=document("doc-2", 3 * MB), caption="x"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2)
    assert fake.sent_texts(OWNER)[0] == stack.catalog.t("telegram.download_too_big", "en", limit=2)


async def test_voice_photo_and_video_note_become_attachments(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    reader = FileReader()
    stack = build_stack(sqlite_db, agent=reader)
    fake.add_file("photo-big", b"jpeg")
    photo = [
        {
            "file_id": "photo-small",
            "file_unique_id": "s",
            "width": 90,
            "height": 90,
            "file_size": 1,
        },
        {
            "file_id": "photo-big",
            "file_unique_id": "b",
            "width": 800,
            "height": 800,
            "file_size": 4,
        },
    ]
    voice = {
        "file_id": "voice-1",
        "file_unique_id": "v",
        "duration": 3,
        "mime_type": "audio/ogg",
        "file_size": 9,
    }
    note = {
        "file_id": "note-1",
        "file_unique_id": "n",
        "length": 240,
        "duration": 2,
        "file_size": 9,
    }
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", photo=photo, caption="poster?"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
        fake.push(fake.text_update(OWNER, "", voice=voice))
        fake.push(fake.text_update(OWNER, "", video_note=note))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 3)
    assert fake.sent_texts(OWNER)[0] == "got 4 bytes from None"  # the largest size
    unsupported = stack.catalog.t("attachments.unsupported", "en")
    assert fake.sent_texts(OWNER)[1:] == [unsupported, unsupported]  # reached the core


async def test_missing_file_is_a_typed_error(fake: FakeTelegram, sqlite_db: Database) -> None:
    stack = build_stack(sqlite_db, agent=FileReader())
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", document=document("gone", 5), caption="?"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    assert fake.sent_texts(OWNER)[0].startswith("unavailable: Telegram refused the file")


async def test_group_attachments_without_mention_are_ignored(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    stack = build_stack(sqlite_db, agent=FileReader(), mode="open")
    async with running(stack.frontend(fake)):
        fake.push(
            fake.text_update(
                OWNER, "", chat_id=-100900, kind="supergroup", document=document("d", 5)
            )
        )
        fake.push(fake.text_update(OWNER, "/menu", chat_id=-100900, kind="supergroup"))
        await fake.wait_for(lambda: len(fake.sent_texts(-100900)) == 1)
    assert fake.sent_texts(-100900) == ["Pick one:"]
    assert not fake.calls_to("getFile")
