"""60 links from 6 users through the dispatcher: the queue's limits on the user's path.

Never more than 5 downloads at once, never more than 2 of one user's, the 51st waiting
link refused with the reason, every accepted link delivered exactly once. The site
counts requests in flight per user while each answer takes a moment.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from concierge.core.jobs import JobState
from concierge.skills.grab.admission import KIND
from concierge.skills.grab.models import GrabRow
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import attach, say, until
from tests.support.fixture_server import FixtureServer

USERS = [11, 12, 13, 14, 15, 16]
PER_USER = 10


class BusySite:
    """Serves the clip slowly and records the most requests in flight, overall and per user."""

    def __init__(self, clip: bytes) -> None:
        self.clip = clip
        self.now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()

    async def __call__(self, request: Request) -> Response:
        user = request.url.path.split("/")[1]
        for key in (user, "all"):
            self.now[key] += 1
            self.peak[key] = max(self.peak[key], self.now[key])
        try:
            await asyncio.sleep(0.3)
        finally:
            for key in (user, "all"):
                self.now[key] -= 1
        return Response(self.clip, media_type="video/mp4")


async def test_sixty_links_from_six_users(tmp_path: Path, media: dict[str, bytes]) -> None:
    busy = BusySite(media["clip.mp4"])
    links = {u: [f"/u{u}/v{k}.mp4" for k in range(PER_USER)] for u in USERS}
    site = FixtureServer({path: busy for paths in links.values() for path in paths})
    with site:
        async with grab_app(tmp_path, grab_allow_private=True) as app:
            chats = attach(app)
            for k in range(PER_USER):  # round by round, as if they all typed at once
                for u in USERS:
                    await say(app, chats, u, f"{site.url}{links[u][k]}")
            replies = [(u, t) for u in USERS for t in chats.texts(u)]
            refused = [(u, t) for u, t in replies if t.startswith("The download queue is full")]
            assert len(refused) == 10, replies
            # the 51st link was user 13's 9th (round 8, third user): refused, with the reason
            assert chats.texts(13)[8] == (
                "The download queue is full (50 waiting). Please send the link again later."
            )
            async with app.db.session() as s:
                accepted = await s.scalar(select(func.count()).select_from(GrabRow))
            assert accepted == 50

            await app.jobs.start()

            async def all_done() -> bool:
                async with app.db.session() as s:
                    live = await s.scalar(
                        select(func.count()).where(GrabRow.status.in_(("queued", "running")))
                    )
                return live == 0

            await until(all_done, 300, "all downloads")
            await app.jobs.stop()
            jobs = await app.jobs.list(kind=KIND, limit=100)

    print("grab peaks", dict(busy.peak))
    assert busy.peak["all"] <= 5 and busy.peak["all"] >= 3, busy.peak
    assert all(busy.peak[f"u{u}"] <= 2 for u in USERS), busy.peak
    assert {j.state for j in jobs} == {JobState.SUCCEEDED} and len(jobs) == 50
    for u in USERS:
        accepted_here = sum(1 for t in chats.texts(u) if not t.startswith("The download queue"))
        files = chats.files(u)
        assert len(files) == accepted_here, (u, len(files), accepted_here)
        assert all(f.kind == "video" for f in files)
    # fair order: the first six to start were six different users' first links
    first = sorted(jobs, key=lambda j: (j.started_at is None, j.started_at))[:6]
    assert len({j.user_id for j in first}) == 6


async def test_the_daily_quota_refuses_with_the_reason_and_sweeps_orphans(
    tmp_path: Path, site: FixtureServer
) -> None:
    async with grab_app(tmp_path, grab_daily_count=2, grab_allow_private=True) as app:
        chats = attach(app)
        orphan = tmp_path / "grab" / "jobs" / "999"
        orphan.mkdir(parents=True)
        (orphan / "half.mp4.part").write_bytes(b"x")
        for n in range(3):
            await say(app, chats, 11, f"{site.url}/clip.mp4?n={n}")
        await app.scheduler.run_once("grab.sweep")  # the hourly schedule's job…
        await app.jobs.run_until_idle()  # …run with everything else that is due
    assert chats.texts(11)[2] == (
        "You reached today's limit of 2 downloads. It resets at 00:00 UTC."
    )
    assert not orphan.exists()


async def test_one_users_links_run_two_at_a_time(tmp_path: Path, media: dict[str, bytes]) -> None:
    busy = BusySite(media["clip.mp4"])
    paths = [f"/u11/solo{k}.mp4" for k in range(5)]
    with FixtureServer(dict.fromkeys(paths, busy)) as site:  # type: ignore[arg-type]
        async with grab_app(tmp_path, grab_allow_private=True) as app:
            chats = attach(app)
            for path in paths:
                await say(app, chats, 11, f"{site.url}{path}")
            await app.jobs.start()

            async def delivered() -> bool:
                return len(chats.files(11)) == len(paths)

            await until(delivered, 120, "all five")
            await app.jobs.stop()
    assert busy.peak["u11"] == 2, busy.peak  # five slots free, yet only two of one user's
