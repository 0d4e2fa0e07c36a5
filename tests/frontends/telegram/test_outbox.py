"""What users see: long texts, cards, files, refusals, blocked users, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import structlog

from concierge.core.messages import File, FileKind, Text
from concierge.core.notify import RecipientUnreachable
from concierge.storage.db import Database
from concierge.storage.repos import UserRecord
from tests.frontends.telegram.conftest import (
    LONG_BODY,
    OWNER,
    ScriptedAgent,
    Stack,
    build_stack,
    running,
)
from tests.support.fake_telegram import TOKEN, FakeTelegram


async def test_long_text_is_split_into_valid_messages(fake: FakeTelegram, stack: Stack) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/long"))
        await fake.wait_for(
            lambda: "reply_markup" in str(fake.calls_to("sendMessage")), what="last"
        )
    sent = fake.calls_to("sendMessage", chat_id=OWNER)
    assert all(c.ok for c in sent)  # the fake checked length and every entity
    assert len(sent) >= 2 and all(len(c.params["text"]) <= 4096 for c in sent)
    assert [("reply_markup" in c.params) for c in sent] == [False] * (len(sent) - 1) + [True]
    joined = "".join(c.params["text"] for c in sent)
    assert joined.count("Paragraph with code_x and a link.") == 160
    for call in sent:  # each piece starts at a paragraph, formatted as it was
        assert call.params["text"].startswith("Paragraph")
        assert call.params["entities"][0] == {"type": "bold", "offset": 0, "length": 9}


async def test_card_is_a_photo_with_caption_and_buttons(fake: FakeTelegram, stack: Stack) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/card"))
        await fake.wait_for(lambda: bool(fake.calls_to("sendPhoto")))
    photo = fake.calls_to("sendPhoto")[0]
    assert photo.ok
    assert photo.params["photo"] == "https://image.example.org/t/p/w500/dune.jpg"
    assert photo.params["caption"].startswith("Dune: Part Two (2024) *_[\n\nA short body")
    entities = photo.params["caption_entities"]
    title = {
        "type": "text_link",
        "offset": 0,
        "length": 25,
        "url": "https://www.themoviedb.org/movie/693134",
    }
    assert title in entities
    assert {"bold", "italic", "text_link"} <= {e["type"] for e in entities}
    button = photo.params["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Find torrents" and len(button["callback_data"]) <= 64


async def test_card_caption_over_1024_continues_in_a_message(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/card long"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    photo = fake.calls_to("sendPhoto")[0]
    follow = fake.calls_to("sendMessage")[0]
    assert photo.ok and follow.ok
    assert len(photo.params["caption"]) <= 1024 and "reply_markup" not in photo.params
    assert "inline_keyboard" in follow.params["reply_markup"]
    shown = photo.params["caption"] + " " + follow.params["text"]
    assert shown.count("Paul Atreides") == LONG_BODY.count("Paul Atreides")


async def test_card_whose_image_telegram_cannot_fetch_becomes_text(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/card broken"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    assert fake.calls_to("sendPhoto")[0].status == 400
    text = fake.calls_to("sendMessage")[0]
    assert text.params["text"].startswith("Dune: Part Two")
    assert "inline_keyboard" in text.params["reply_markup"]


async def test_file_is_uploaded_as_a_document(fake: FakeTelegram, stack: Stack) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/file 2048"))
        await fake.wait_for(lambda: bool(fake.calls_to("sendDocument")))
    upload = fake.calls_to("sendDocument")[0]
    assert upload.ok and upload.files["document"] == b"x" * 2048
    assert upload.params["caption"] == "Your report"
    assert upload.params["caption_entities"] == [{"type": "italic", "offset": 5, "length": 6}]


@pytest.mark.parametrize(
    ("kind", "size", "method"),
    [
        ("photo", 1000, "sendPhoto"),
        ("photo", 11 * 1024 * 1024, "sendDocument"),  # over the Bot API's 10 MB photo limit
        ("video", 1000, "sendVideo"),
        ("audio", 1000, "sendAudio"),
        ("voice", 1000, "sendVoice"),
        ("document", 1000, "sendDocument"),
    ],
)
async def test_each_file_kind_uses_its_method(
    fake: FakeTelegram, stack: Stack, kind: FileKind, size: int, method: str, tmp_path: Path
) -> None:
    path = tmp_path / f"clip.{kind}"
    path.write_bytes(b"z" * size)
    frontend = stack.frontend(fake)
    async with running(frontend):
        await frontend.sender.send_to_user(OWNER, File(path.name, path, kind=kind))
    upload = fake.calls_to(method)
    assert len(upload) == 1 and upload[0].ok
    assert next(iter(upload[0].files.values())) == path.read_bytes()


async def test_file_over_the_upload_limit_is_refused_clearly(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake, upload_limit_mb=1)):
        fake.push(fake.text_update(OWNER, "/file 1500000", language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    assert not fake.calls_to("sendDocument")
    notice = fake.sent_texts(OWNER)[0]
    assert "report.txt" in notice and "1.4 МБ" in notice and "1.0 МБ" in notice


async def eventually(
    read: Callable[[], Awaitable[UserRecord | None]], what: str
) -> UserRecord | None:
    """The user record once it is marked unreachable (the reply fails in the background)."""
    for _ in range(200):
        record = await read()
        if record is not None and record.unreachable:
            return record
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_user_message_with_a_secret_can_be_deleted(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    stack = build_stack(sqlite_db, mode="open")
    group = -100800
    async with running(stack.frontend(fake)):
        private_id = fake.push(fake.text_update(OWNER, "/forget"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
        fake.push(fake.text_update(OWNER, "/forget", chat_id=group, kind="supergroup"))
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 1)
    assert fake.sent_texts(OWNER) == ["deleted: True"]
    assert fake.sent_texts(group) == ["deleted: False"]  # no admin right in that group
    assert private_id > 0 and [c.status for c in fake.calls_to("deleteMessage")] == [200, 400]


async def test_blocked_user_is_marked_unreachable(fake: FakeTelegram, sqlite_db: Database) -> None:
    stack = build_stack(sqlite_db, agent=ScriptedAgent(["hi"], pause=0))
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/start"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
        fake.blocked.add(OWNER)
        fake.push(fake.text_update(OWNER, "are you there?"))
        await fake.wait_for(lambda: any(c.status == 403 for c in fake.calls_to()))
        owner = await eventually(lambda: stack.users.find("telegram", OWNER), "unreachable")
        assert owner is not None and owner.unreachable
        assert not stack.notifier.can_reach(owner)
        blocked_calls = len([c for c in fake.calls_to() if c.status == 403])

        try:
            await stack.notifier.send(owner, Text("a download finished"))
        except RecipientUnreachable:
            pass
        else:
            raise AssertionError("a blocked user must be reported unreachable")
    # one refused reply; the error notice and retries are not even attempted
    assert blocked_calls == 1
    assert len([c for c in fake.calls_to() if c.status == 403]) == blocked_calls + 1


async def test_failure_outside_the_dispatcher_is_logged_and_explained(
    fake: FakeTelegram, stack: Stack
) -> None:
    too_big = {
        "file_id": "big-1",
        "file_unique_id": "ubig-1",
        "file_name": "movie.mkv",
        "file_size": 30 * 1024 * 1024,
    }
    async with running(stack.frontend(fake)):
        fake.fail("sendMessage", status=500, times=4)  # the first try and all three retries
        with structlog.testing.capture_logs() as logs:
            update_id = fake.push(fake.text_update(OWNER, "", document=too_big, caption=""))
            await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1, what="error notice")
    assert fake.sent_texts(OWNER) == [stack.catalog.t("telegram.failed", "en")]
    failures = [e for e in logs if e["event"] == "telegram_update_failed"]
    assert len(failures) == 1
    assert failures[0]["update_id"] == update_id and failures[0]["chat"] == OWNER
    assert TOKEN not in repr(logs)
