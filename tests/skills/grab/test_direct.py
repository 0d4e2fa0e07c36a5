"""A link that is itself a media file: fetched once, straight to disk, named safely.

The child streams such a link itself (yt-dlp's downloader is a third of curl's speed);
these tests hold what the user sees on that path: the file arrives after redirects with
one request for it, its name comes from the server but cannot escape, a body that only
claims to be video is not delivered as one, and a declared size over the limit fails
before the body is read.
"""

from __future__ import annotations

from pathlib import Path

from concierge.storage.jobs import EmbeddedJobs
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import attach, say
from tests.support.fixture_server import FixtureServer, raw

OWNER = 1


async def test_a_redirected_file_is_fetched_once_and_named_by_the_server(
    tmp_path: Path, media: dict[str, bytes]
) -> None:
    clip = media["clip.mp4"]
    routes = {
        "/go": raw(b"", status=302, headers={"Location": "/stage"}),
        "/stage": raw(b"", status=307, headers={"Location": "/files/clip"}),
        "/files/clip": raw(
            clip,
            content_type="video/mp4",
            headers={"Content-Disposition": 'attachment; filename="../../etc/Holiday\x01.mov"'},
        ),
    }
    with FixtureServer(routes) as site:
        async with grab_app(tmp_path) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/go")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
        file_hits = len(site.hits_for("/files/clip"))
    [delivered] = chats.files(OWNER)
    assert delivered.open().read() == clip
    assert delivered.kind == "video"
    assert delivered.filename == "Holiday.mp4"  # the server's name, its true extension, no path
    assert file_hits == 1  # streamed by the child itself: no second look by yt-dlp
    assert chats.texts(OWNER)[-1].startswith("✅ Done")


async def test_a_page_that_claims_to_be_video_is_not_delivered(tmp_path: Path) -> None:
    page = b"<html><body><p>Nothing to watch.</p></body></html>"
    with FixtureServer({"/fake.mp4": raw(page, content_type="video/mp4")}) as site:
        async with grab_app(tmp_path) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/fake.mp4")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
    assert chats.files(OWNER) == []
    assert "✅" not in chats.texts(OWNER)[-1]


async def test_a_declared_size_over_the_limit_fails_with_the_reason(
    tmp_path: Path, media: dict[str, bytes]
) -> None:
    big = media["clip.mp4"] + b"\0" * (2 * 1024 * 1024)
    with FixtureServer({"/big.mp4": raw(big, content_type="video/mp4")}) as site:
        async with grab_app(tmp_path, grab_max_file_mb=1) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/big.mp4")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
    assert chats.files(OWNER) == []
    assert chats.texts(OWNER)[-1].endswith("The file is over the size limit.")
