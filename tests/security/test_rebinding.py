"""DNS rebinding: a name that is public when checked and loopback when connecting.

The resolver here answers a public address first and 127.0.0.1 afterwards, the
classic rebinding attack. A plain user's client check, a saved client used later
(the monitor's poll) and a .torrent fetch must never reach the loopback server.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.skills.downloads.client_url import ClientConfig
from concierge.skills.downloads.factory import default_factory
from concierge.skills.downloads.ports import TorrentClientError
from concierge.skills.downloads.service import (
    ClientChoice,
    ClientPolicy,
    DownloadService,
    InvalidTorrent,
)
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.repos import UserRepo
from concierge.storage.secrets import SecretBox, generate_key
from tests.support.fixture_server import FixtureServer, raw


class Rebinding:
    """Public for the first answer, loopback for every later one."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return ["93.184.216.34"] if self.calls == 1 else ["127.0.0.1"]


@pytest.fixture
def loopback() -> Iterator[FixtureServer]:
    body = raw(b'{"arguments": {"version": "4.0"}, "result": "success"}', 200, "application/json")
    with FixtureServer({"/transmission/rpc": body, "/t.torrent": raw(b"d4:infoe", 200)}) as srv:
        yield srv


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The system resolver's later answer for the attacker's name: loopback."""
    real = socket.getaddrinfo

    def answer(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "rebind.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", answer)


async def test_a_rebinding_name_never_reaches_loopback(
    sqlite_db: Database, loopback: FixtureServer, rebinding_dns: None
) -> None:
    port = loopback.url.rsplit(":", 1)[1]
    resolver = Rebinding()
    service = DownloadService(
        db=sqlite_db,
        credentials=CredentialStore(sqlite_db, SecretBox([generate_key()])),
        factory=default_factory,
        policy=ClientPolicy(),
        resolver=resolver,
    )
    user = await UserRepo(sqlite_db).upsert(UserRef("telegram", 5), Role.USER)
    config = ClientConfig("transmission", f"http://rebind.example:{port}/transmission/rpc", "", "")

    with pytest.raises(TorrentClientError):  # the check passed; the connection is refused
        await service.check_and_test(user, config)
    saved = ClientChoice(f"user:{user.id}", config, seedbox=False, private_ok=False)
    client = service.open(saved)  # as the monitor does with a stored client, later
    try:
        with pytest.raises(TorrentClientError):
            await client.list()
    finally:
        await client.close()
    resolver.calls = 0
    with pytest.raises(InvalidTorrent):
        await service.fetch_torrent(f"http://rebind.example:{port}/t.torrent", user)
    assert loopback.hits == []
