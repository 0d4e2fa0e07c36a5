"""A file over the upload limit: a video re-encoded to fit, or a signed link that serves
the same bytes (with Range), refuses a tampered token and stops after its expiry."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from concierge.core.messages import Text
from concierge.frontends.http.app import build_http_app
from concierge.skills.grab import reencode
from concierge.skills.grab.links import Links, LinkSigner, load_key
from concierge.storage.jobs import EmbeddedJobs
from tests.fakes.clock import FakeClock
from tests.skills.grab.conftest import FFMPEG, grab_app
from tests.skills.grab.support import attach, say
from tests.support.fixture_server import FixtureServer, raw

MB = 1024 * 1024
OWNER = 1


@pytest.fixture(scope="module")
def big_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Eight seconds at ~2.5 Mbit/s: about 2.5 MB, over a 1 MB upload limit."""
    if FFMPEG is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path_factory.mktemp("big") / "big.mp4"
    subprocess.run(
        [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=300", "-t", "8", "-c:v", "libx264", "-b:v", "2500k",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    data = path.read_bytes()
    assert len(data) > 2 * MB
    return data


async def test_an_oversized_video_is_re_encoded_to_fit(tmp_path: Path, big_clip: bytes) -> None:
    with FixtureServer({"/big.mp4": raw(big_clip, content_type="video/mp4")}) as site:
        async with grab_app(tmp_path, telegram_upload_limit_mb=1) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/big.mp4")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
    [video] = chats.files(OWNER)
    assert video.kind == "video" and video.path is not None
    assert video.size <= 1 * MB < len(big_clip)
    seconds = await reencode.duration(video.path)
    assert seconds is not None and abs(seconds - 8.0) < 0.5  # the whole video, just smaller
    assert chats.texts(OWNER)[-1].startswith("✅ Done")


async def test_a_signed_link_serves_the_bytes_until_it_expires(
    tmp_path: Path, big_clip: bytes
) -> None:
    settings = {
        "telegram_upload_limit_mb": 1,
        "grab_links": "always",
        "public_base_url": "https://bot.example.org",
    }
    with FixtureServer({"/big.mp4": raw(big_clip, content_type="video/mp4")}) as site:
        async with grab_app(tmp_path, **settings) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/big.mp4")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
            offer = chats.messages[OWNER][-1]
            assert isinstance(offer, Text) and "too big to send here" in offer.text
            url = offer.buttons[0][0].url
            assert url is not None and url.startswith("https://bot.example.org/files/")
            path = url.removeprefix("https://bot.example.org")
            http = build_http_app(db=app.db, metrics=app.metrics, routes=app.registry.routes)
            transport = httpx.ASGITransport(app=http)
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
                whole = await client.get(path)
                part = await client.get(path, headers={"range": "bytes=100-199"})
                token = path.rsplit("/", 1)[1]
                body, mac = token.split(".")
                tampered = await client.get(f"/files/{body[:-2]}AA.{mac}")
                forged = await client.get(f"/files/{body}.{'A' * len(mac)}")
    assert chats.files(OWNER) == []  # no upload was tried
    assert whole.status_code == 200 and whole.content == big_clip
    assert part.status_code == 206 and part.content == big_clip[100:200]
    assert tampered.status_code == 403 and forged.status_code == 403

    # the same link a day and a minute later: gone
    later = FakeClock(datetime.now(UTC) + timedelta(hours=24, minutes=1))
    root = tmp_path / "grab"
    expired = Links(LinkSigner(load_key(root), root / "cache", later), "https://x", timedelta(1))
    transport = httpx.ASGITransport(app=Starlette(routes=expired.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        assert (await client.get(path)).status_code == 410
