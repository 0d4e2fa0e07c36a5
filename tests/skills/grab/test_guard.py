"""A plain user's links to non-public addresses are refused before any connection: by the
check when the link is accepted, and inside the child when a page redirects there.

A canary listener counts every TCP connection it accepts; it must count none. The
"public" page is a loopback site the operator listed in GRAB_ALLOWED_ENDPOINTS.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from concierge.skills.grab.models import GrabRow
from tests.skills.grab.conftest import grab_app
from tests.skills.grab.support import Chats, attach, say, until
from tests.support.fixture_server import FixtureServer, raw

PLAIN = 21


class Canary:
    """A listener on loopback that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    try:
        yield listener
    finally:
        listener.close()


def redirect(to: str) -> object:
    return raw(b"", status=302, content_type="text/html", headers={"location": to})


async def test_plain_users_links_to_private_addresses_are_refused(
    tmp_path: Path, canary: Canary
) -> None:
    target = f"http://127.0.0.1:{canary.port}/clip.mp4"
    routes = {
        "/to-canary.mp4": redirect(target),
        "/to-metadata.mp4": redirect("http://169.254.169.254/latest/meta-data/"),
    }
    with FixtureServer(routes) as site:  # type: ignore[arg-type]
        allowed = f"127.0.0.1:{site.port}"
        async with grab_app(tmp_path, grab_allowed_endpoints=[allowed]) as app:
            chats: Chats = attach(app)
            await say(app, chats, PLAIN, target)
            await say(app, chats, PLAIN, "http://169.254.169.254/latest/meta-data/")
            await say(app, chats, PLAIN, "/dl http://[::ffff:127.0.0.1]:9/x.mp4")
            assert chats.texts(PLAIN) == [
                "That link points at a private network address, so I won't fetch it.",
                "That link points at a cloud metadata service, so I won't fetch it.",
                "That link points at a private network address, so I won't fetch it.",
            ]
            async with app.db.session() as s:
                assert await s.scalar(select(func.count()).select_from(GrabRow)) == 0

            await say(app, chats, PLAIN, f"{site.url}/to-canary.mp4")
            await say(app, chats, PLAIN, f"{site.url}/to-metadata.mp4")
            await app.jobs.start()

            async def finished() -> bool:
                async with app.db.session() as s:
                    rows = list(await s.scalars(select(GrabRow)))
                return len(rows) == 2 and all(r.status == "failed" for r in rows)

            await until(finished, 60, "both redirects to fail")
            await app.jobs.stop()
            async with app.db.session() as s:
                reasons = {r.reason for r in await s.scalars(select(GrabRow))}
        assert site.hits_for("/to-canary.mp4") and site.hits_for("/to-metadata.mp4")
    assert reasons == {"refused"}
    shown = chats.texts(PLAIN)[3:]
    assert all(t.startswith("❌") and "private network address" in t for t in shown), shown
    assert chats.files(PLAIN) == []
    assert canary.connections == 0
