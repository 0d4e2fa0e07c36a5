"""Pages that embed a video: yt-dlp's generic extractor finds ``og:video`` and HTML5
``<video>`` and downloads the file they point at."""

from __future__ import annotations

from pathlib import Path

from concierge.storage.jobs import EmbeddedJobs
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import attach, say
from tests.support.fixture_server import FixtureServer, raw, text

OWNER = 1


async def test_og_video_and_html5_video_pages(tmp_path: Path, media: dict[str, bytes]) -> None:
    with FixtureServer(
        {"/media/clip.mp4": raw(media["clip.mp4"], content_type="video/mp4")}
    ) as site:
        og = f"""<html><head><title>Launch</title>
<meta property="og:title" content="Launch day">
<meta property="og:video" content="{site.url}/media/clip.mp4">
<meta property="og:video:type" content="video/mp4"></head><body>Launch</body></html>"""
        html5 = """<html><head><title>Clip</title></head><body>
<video controls><source src="/media/clip.mp4" type="video/mp4"></video></body></html>"""
        site.route("/og.html", text(og))
        site.route("/html5.html", text(html5))
        async with grab_app(tmp_path) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/og.html {site.url}/html5.html")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
    videos = chats.files(OWNER)
    assert [v.kind for v in videos] == ["video", "video"], chats.texts(OWNER)
    assert all(v.open().read() == media["clip.mp4"] for v in videos)
    assert [t[:6] for t in chats.texts(OWNER)] == ["✅ Done", "✅ Done"]
