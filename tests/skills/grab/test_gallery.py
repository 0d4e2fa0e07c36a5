"""A gallery page: gallery-dl's generic extractor takes its pictures, in page order.

gallery-dl's generic extractor drops an explicit port, so the page is served on port 80
of 127.0.0.2: that needs root, and the test says so when it is skipped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from concierge.storage.jobs import EmbeddedJobs
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import attach, say

OWNER = 1
PAGE = b"""<html><head><title>Holiday</title></head><body><h1>Holiday pictures</h1>
<img src="/pics/red.png" alt="red"> <img src="/pics/blue.png" alt="blue"></body></html>"""


class Gallery:
    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        self.hits: list[str] = []
        gallery = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gallery.hits.append(self.path)
                body, kind = files.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if self.path in files else 404)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.2", 80), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gallery(media: dict[str, bytes]) -> Iterator[Gallery]:
    if os.geteuid() != 0:
        pytest.skip("serving on port 80 of 127.0.0.2 needs root")
    site = Gallery(
        {
            "/holiday": (PAGE, "text/html; charset=utf-8"),
            "/pics/red.png": (media["red.png"], "image/png"),
            "/pics/blue.png": (media["blue.png"], "image/png"),
        }
    )
    try:
        yield site
    finally:
        site.close()


async def test_a_gallery_page_arrives_as_its_pictures(
    tmp_path: Path, gallery: Gallery, media: dict[str, bytes]
) -> None:
    async with grab_app(tmp_path) as app:
        chats = attach(app)
        await say(app, chats, OWNER, "http://127.0.0.2/holiday")
        assert isinstance(app.jobs, EmbeddedJobs)
        await app.jobs.run_until_idle()
        fetched = len(gallery.hits)
        await say(app, chats, OWNER, "http://127.0.0.2/holiday#again")
        await app.jobs.run_until_idle()
    photos = chats.files(OWNER)
    assert [p.kind for p in photos] == ["photo"] * 4
    assert [p.open().read() for p in photos[:2]] == [media["red.png"], media["blue.png"]]
    assert [p.open().read() for p in photos[2:]] == [media["red.png"], media["blue.png"]]
    assert len(gallery.hits) == fetched  # the second time from the cache
    assert chats.texts(OWNER)[-1].startswith("✅ Sent again from the cache")
