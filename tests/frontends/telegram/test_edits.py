"""Editing and deleting sent messages by handle, and files sent from disk, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.core.messages import Button, Card, File, MessageHandle, Text, rows
from concierge.core.notify import MessageGone
from tests.frontends.telegram.conftest import OWNER, Stack, running
from tests.support.fake_telegram import FakeTelegram

CANCEL = rows(Button("Cancel", id="job.cancel:7"))


async def test_unchanged_edit_is_success_and_a_deleted_message_is_gone(
    fake: FakeTelegram, stack: Stack
) -> None:
    frontend = stack.frontend(fake)
    async with running(frontend):
        sender = frontend.sender
        handle = await sender.send_to_user(OWNER, Text("Queued: *Dune*", buttons=CANCEL))
        assert handle == MessageHandle("telegram", OWNER, (handle.message_id,), "text")
        assert MessageHandle.from_dict(handle.to_dict()) == handle

        again = await sender.edit(handle, Text("Queued: *Dune*", buttons=CANCEL))
        assert again == handle  # Telegram said "not modified": nothing to do, no error

        assert await sender.delete_message(handle)
        with pytest.raises(MessageGone):
            await sender.edit(handle, Text("Done"))
    # Telegram refused both edits ("not modified", then "not found"); only the second is news
    assert [c.status for c in fake.calls_to("editMessageText")] == [400, 400]


async def test_buttons_only_edit_keeps_the_text(fake: FakeTelegram, stack: Stack) -> None:
    frontend = stack.frontend(fake)
    async with running(frontend):
        handle = await frontend.sender.send_to_user(OWNER, Text("Downloading…", buttons=CANCEL))
        await frontend.sender.edit(handle, Text(""))  # the job finished: drop "Cancel"
    (call,) = fake.calls_to("editMessageReplyMarkup")
    assert call.ok
    shown = fake.message(OWNER, handle.message_id)
    assert shown["text"] == "Downloading…" and "reply_markup" not in shown


async def test_photo_card_edit_changes_its_caption_and_buttons(
    fake: FakeTelegram, stack: Stack
) -> None:
    card = Card("Dune", "⭐ 8.0", image_url="https://image.example.org/dune.jpg", buttons=CANCEL)
    frontend = stack.frontend(fake)
    async with running(frontend):
        handle = await frontend.sender.send_to_user(OWNER, card)
        assert handle.kind == "media"
        await frontend.sender.edit(handle, Card("Dune", "⭐ 8.0 · *downloaded*"))
    (call,) = fake.calls_to("editMessageCaption")
    assert call.ok, call.result
    shown = fake.message(OWNER, handle.message_id)
    assert shown["caption"] == "Dune\n\n⭐ 8.0 · downloaded"
    assert "reply_markup" not in shown


async def test_a_growing_text_gets_more_messages_and_a_shrinking_one_fewer(
    fake: FakeTelegram, stack: Stack
) -> None:
    frontend = stack.frontend(fake)
    async with running(frontend):
        short = await frontend.sender.send_to_user(OWNER, Text("Log: started"))
        long = await frontend.sender.edit(short, Text("Log: " + "line of output\n" * 400))
        assert long.message_ids[0] == short.message_id and len(long.message_ids) == 2
        back = await frontend.sender.edit(long, Text("Log: done"))
    assert back == short
    (deleted,) = fake.calls_to("deleteMessage")
    assert deleted.ok and deleted.params["message_id"] == long.message_ids[1]
    assert fake.message(OWNER, short.message_id)["text"] == "Log: done"


async def test_edit_waits_out_a_429(fake: FakeTelegram, stack: Stack) -> None:
    frontend = stack.frontend(fake)
    async with running(frontend):
        handle = await frontend.sender.send_to_user(OWNER, Text("10%"))
        fake.fail("editMessageText", status=429, retry_after=1)
        await frontend.sender.edit(handle, Text("20%"))
    assert [c.status for c in fake.calls_to("editMessageText")] == [429, 200]
    assert fake.message(OWNER, handle.message_id)["text"] == "20%"


async def test_file_goes_from_disk_and_a_429_resends_it_whole(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "episode.mkv"
    path.write_bytes(bytes(range(256)) * 12_000)  # 3 MB
    frontend = stack.frontend(fake)
    async with running(frontend):
        fake.fail("sendDocument", status=429, retry_after=1)
        handle = await frontend.sender.send_to_user(OWNER, File("episode.mkv", path))
    assert handle.kind == "media"
    first, second = fake.calls_to("sendDocument")
    assert (first.status, second.status) == (429, 200)
    assert second.files["document"] == path.read_bytes()


async def test_file_over_the_limit_is_refused_without_reading_it(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "movie.mkv"
    with path.open("wb") as sparse:
        sparse.truncate(4 * 1024**3)  # 4 GB on paper, nothing on disk
    frontend = stack.frontend(fake)
    async with running(frontend):
        await frontend.sender.send_to_user(OWNER, File("movie.mkv", path))
    assert not fake.calls_to("sendDocument")
    assert "movie.mkv" in fake.sent_texts(OWNER)[0]
