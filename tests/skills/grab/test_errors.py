"""What goes wrong on the way, as the user reads it: one clear message each, and the
queue retries only what can get better (a 503), never what cannot (a 404)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from concierge.core.jobs import JobState
from concierge.skills.grab.admission import KIND
from concierge.skills.grab.models import GrabRow
from concierge.storage.jobs import EmbeddedJobs
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import attach, say, until
from tests.support.fixture_server import FixtureServer, hang, raw, sequence, text

OWNER = 1


def chunked(data: bytes) -> object:
    """A response with no Content-Length (chunked transfer), as live streams send."""

    async def handle(_request: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(data), 4096):
                yield data[start : start + 4096]
                await asyncio.sleep(0)

        return StreamingResponse(body(), media_type="video/mp4")

    return handle


async def test_permanent_failures_are_explained_once(
    tmp_path: Path, media: dict[str, bytes]
) -> None:
    routes = {
        "/article.html": text("<html><body><p>No media here.</p></body></html>"),
        "/chunked.mp4": chunked(media["clip.mp4"]),
    }
    with FixtureServer(routes) as site:  # type: ignore[arg-type]
        async with grab_app(tmp_path) as app:
            chats = attach(app)
            for path in ("/missing.mp4", "/article.html", "/chunked.mp4"):
                await say(app, chats, OWNER, f"{site.url}{path}")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
            jobs = {j.payload["grab_id"]: j for j in await app.jobs.list(kind=KIND)}
        texts = chats.texts(OWNER)
        missing_hits = len(site.hits_for("/missing.mp4"))
    assert texts[0].endswith("This media was removed or does not exist.")
    assert texts[1].endswith("I can't download from this site or page.")
    assert texts[2].startswith("✅ Done")  # no length given: still whole
    assert [f.open().read() for f in chats.files(OWNER)] == [media["clip.mp4"]]
    assert jobs[1].state is JobState.FAILED and jobs[1].attempts == 1  # a 404 is not retried
    assert jobs[2].state is JobState.FAILED and jobs[2].attempts == 1
    assert missing_hits <= 3  # yt-dlp's own tries of one attempt, no more


async def test_a_server_error_is_retried_and_then_delivered(
    tmp_path: Path, media: dict[str, bytes]
) -> None:
    flaky = sequence([raw(b"busy", status=503), raw(media["clip.mp4"], content_type="video/mp4")])
    with FixtureServer({"/flaky.mp4": flaky}) as site:
        async with grab_app(tmp_path) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/flaky.mp4")
            await app.jobs.start()

            async def delivered() -> bool:
                return bool(chats.files(OWNER))

            await until(delivered, 60, "the retried download")
            await app.jobs.stop()
            [job] = await app.jobs.list(kind=KIND)
    assert job.attempts == 2 and job.state is JobState.SUCCEEDED
    assert chats.texts(OWNER)[0].startswith("✅ Done")


async def test_a_stuck_site_times_out_with_a_message(tmp_path: Path) -> None:
    with FixtureServer({"/stuck.mp4": hang(60)}) as site:
        async with grab_app(tmp_path, grab_timeout_seconds=10) as app:
            chats = attach(app)
            await say(app, chats, OWNER, f"{site.url}/stuck.mp4")
            assert isinstance(app.jobs, EmbeddedJobs)
            await app.jobs.run_until_idle()
            async with app.db.session() as s:
                row = await s.scalar(select(GrabRow))
    assert row is not None and row.reason == "timeout"
    assert chats.texts(OWNER)[0].endswith("The download took too long and was stopped.")
