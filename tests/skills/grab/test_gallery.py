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

from tests.skills.grab.conftest import grab_app, last_edit_says, telegram_running
from tests.support.fake_telegram import FakeTelegram

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


async def test_a_gallery_page_arrives_as_an_album(
    tmp_path: Path, gallery: Gallery, fake: FakeTelegram, media: dict[str, bytes]
) -> None:
    async with grab_app(tmp_path) as app, telegram_running(app, fake):
        fake.push(fake.text_update(OWNER, "http://127.0.0.2/holiday"))
        await fake.wait_for(lambda: bool(fake.calls_to("sendMediaGroup")), 60, "the album")
        fetched = len(gallery.hits)
        fake.push(fake.text_update(OWNER, "http://127.0.0.2/holiday#again"))
        await fake.wait_for(lambda: len(fake.calls_to("sendMediaGroup")) == 2, 60, "again")
        await last_edit_says(fake, "cache")
    albums = fake.calls_to("sendMediaGroup", chat_id=OWNER)
    assert all(c.ok for c in albums), fake.summary()
    for album in albums:
        assert [m["media_group_id"] for m in album.result] == [
            album.result[0]["media_group_id"]
        ] * 2
        assert [item["type"] for item in album.params["media"]] == ["photo", "photo"]
        uploads = [album.files[i["media"].removeprefix("attach://")] for i in album.params["media"]]
        assert uploads == [media["red.png"], media["blue.png"]]  # in page order
    assert not fake.calls_to("sendPhoto")
    assert len(gallery.hits) == fetched  # the second time from the cache, no request
