"""A client that answers with an error page: the user is told what failed, never what it said.

Whatever a daemon, a reverse proxy or an impostor puts in an error body (stack traces,
internal hostnames, echoed headers) stays out of the chat and out of the logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from concierge.bootstrap import App
from concierge.skills.downloads.models import DownloadRow
from concierge.skills.downloads.service import CREDENTIAL_NAME, GLOBAL
from concierge.storage.jobs import EmbeddedJobs
from daemons import random_magnet
from tests.skills.downloads.support import torrent_card_button
from tests.support.app import Person, running_app
from tests.support.fixture_server import FixtureServer, text

SECRET = "SECRET-BODY-123"
BODY = f"<h1>{SECRET}</h1><pre>Traceback: db=10.0.0.5 token={SECRET}</pre>"
KINDS = {  # the kind's label in /client, and every path its adapter may ask
    "transmission": ("Transmission", ["/transmission/rpc"]),
    "qbittorrent": ("qBittorrent", ["/api/v2/auth/login", "/api/v2/app/version",
                                    "/api/v2/torrents/add", "/api/v2/torrents/info"]),
    "deluge": ("Deluge", ["/json"]),
}  # fmt: skip
CLIENT_PATH = {"transmission": "/transmission/rpc", "qbittorrent": "", "deluge": ""}
REFUSED_LOGIN = {("transmission", 403), ("qbittorrent", 403)}  # the rest: "couldn't reach"


@pytest.fixture(params=[(k, s) for k in KINDS for s in (403, 500)], ids=lambda p: f"{p[0]}-{p[1]}")
def failing(request: pytest.FixtureRequest) -> Iterator[tuple[str, bool, FixtureServer]]:
    """A client of one kind answering every call with one error status and a telling body."""
    kind, status = request.param
    routes = {path: text(BODY, status) for path in KINDS[kind][1]}
    with FixtureServer(routes) as srv:
        yield kind, (kind, status) in REFUSED_LOGIN, srv


@dataclass
class Logged:
    """Everything logged: structlog events and the standard library's records (httpx)."""

    events: list[MutableMapping[str, Any]]
    records: pytest.LogCaptureFixture

    def text(self) -> str:
        return repr(self.events) + self.records.text


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[Logged]:
    caplog.set_level(logging.DEBUG)
    with capture_logs() as events:
        yield Logged(events, caplog)


async def test_send_and_downloads_do_not_echo_the_error_body(
    tmp_path: Path,
    failing: tuple[str, bool, FixtureServer],
    logs: Logged,
) -> None:
    kind, refused, srv = failing
    url = f"{kind}://admin:pw@127.0.0.1:{srv.port}{CLIENT_PATH[kind]}"
    async with running_app(tmp_path, torrent_client_url=url) as app:
        owner = Person(app, 1)
        await owner.say("/start")
        owner.outbox.clear()
        magnet, info_hash = random_magnet("Error.Body.2024")
        await owner.press(await torrent_card_button(app, owner, name="Error Body", magnet=magnet))
        sent = owner.outbox.all_text()
        if refused:
            assert sent == "Your torrent client refused the login. Check it with /client."
        else:
            assert sent.startswith("I couldn't reach your torrent client (")
            assert sent.endswith("). Nothing was added; try again later.")

        await seed_download(app, owner, info_hash)  # one it added before it broke
        owner.outbox.clear()
        await owner.say("/downloads")
        listed = owner.outbox.all_text()
        assert listed.startswith("I couldn't ask your torrent client (")
        assert "Error.Body.2024" in listed  # what it last knew is still shown
        await app.scheduler.run_once("downloads.monitor")  # the poll job fails too, and logs it
        assert isinstance(app.jobs, EmbeddedJobs)
        await app.jobs.run_until_idle()
    assert len(srv.hits) > 0
    assert SECRET not in sent + listed
    assert "download_poll_failed" in logs.text()
    assert SECRET not in logs.text()


async def test_client_setup_does_not_echo_the_error_body(
    tmp_path: Path,
    failing: tuple[str, bool, FixtureServer],
    logs: Logged,
) -> None:
    kind, refused, srv = failing
    async with running_app(tmp_path, access_mode="open", allow_private_client_urls=True) as app:
        user = Person(app, 40)
        await user.say("/start")
        await user.say("/client")
        await user.press(user.outbox.button(KINDS[kind][0]).id)
        user.outbox.clear()
        await user.say(srv.url)
        await user.say("admin")
        await user.say("pw")
        shown = user.outbox.all_text()
        record = await app.users.find("telegram", 40)
        assert record is not None
        assert await app.credentials.get(record.id, CREDENTIAL_NAME) is None  # nothing saved
    assert len(srv.hits) > 0
    checking, failed = user.outbox.texts()[-2:]
    assert checking == "Checking the connection…"
    if refused:
        assert failed.startswith("The client refused the username or password. Nothing was saved")
    else:
        assert failed.startswith("I couldn't reach the client at that address (")
    assert SECRET not in shown
    assert SECRET not in logs.text()


async def seed_download(app: App, owner: Person, info_hash: str) -> None:
    user = await app.users.find(owner.ref.platform, owner.ref.id)
    assert user is not None
    async with app.db.session() as s:
        s.add(
            DownloadRow(
                user_id=user.id, client_key=GLOBAL, client_kind="transmission",
                info_hash=info_hash, name="Error.Body.2024", normalized_name="error body 2024",
                chat_key="telegram:1",
                status="active", progress=0.3, size_bytes=0, save_path="", sync_state="none",
            )
        )  # fmt: skip
