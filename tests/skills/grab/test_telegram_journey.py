"""A pasted link through the real Telegram front-end: one progress message, edited in
place, then the video; the same link again comes from the cache with no download."""

from __future__ import annotations

from pathlib import Path

from tests.skills.grab.conftest import grab_app, last_edit_says, telegram_running
from tests.support.fake_telegram import FakeTelegram
from tests.support.fixture_server import FixtureServer

OWNER = 1  # telegram:1 in the test settings: the owner may fetch loopback


async def test_pasted_link_becomes_one_edited_message_then_the_video(
    tmp_path: Path, fake: FakeTelegram, site: FixtureServer, media: dict[str, bytes]
) -> None:
    url = f"{site.url}/clip.mp4"
    async with grab_app(tmp_path) as app, telegram_running(app, fake):
        fake.push(fake.text_update(OWNER, url))
        await fake.wait_for(lambda: bool(fake.calls_to("sendVideo")), 60, "the video")
        await last_edit_says(fake, "Done")
        downloads = len(site.hits_for("/clip.mp4"))
        fake.push(fake.text_update(OWNER, url))
        await fake.wait_for(lambda: len(fake.calls_to("sendVideo")) == 2, 60, "again")
        await last_edit_says(fake, "cache")

    sent = [c for c in fake.calls_to("sendMessage", chat_id=OWNER) if c.ok]
    assert len(sent) == 2, fake.summary()
    first_id = sent[0].result["message_id"]
    assert sent[0].params["text"].startswith("⏳ Queued, position 1")
    edits = [c for c in fake.calls_to("editMessageText") if c.params["message_id"] == first_id]
    texts = [c.params["text"] for c in edits]
    assert len(edits) >= 3, texts  # starting → … → uploading → done
    assert texts[-1].startswith("✅ Done") and "1 files" in texts[-1]
    assert any(t.startswith("📤 Uploading") for t in texts)
    videos = fake.calls_to("sendVideo", chat_id=OWNER)
    assert all(c.ok for c in videos)
    assert videos[0].result["video"]["file_size"] == len(media["clip.mp4"])
    # the second time: no request reached the site, the same bytes went out
    assert downloads >= 1 and len(site.hits_for("/clip.mp4")) == downloads
    assert videos[1].result["video"]["file_size"] == len(media["clip.mp4"])
    job_folders = tmp_path / "grab" / "jobs"
    assert not job_folders.exists() or not any(job_folders.iterdir())
