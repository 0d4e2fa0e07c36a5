"""RuTracker directly: login, session reuse and expiry, captcha, block pages, magnets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge.adapters.errors import AuthFailed, Blocked, CaptchaRequired
from concierge.adapters.http import HttpFactory
from concierge.adapters.rutracker import (
    PASSWORD_KEY,
    SESSION_KEY,
    USERNAME_KEY,
    RutrackerSource,
)
from concierge.skills.movies.domain import TorrentQuery
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import (
    FIXTURES,
    RUTRACKER,
    TORRENT,
    FakeTracker,
    MemoryCredentials,
    html_file,
)

DUNE = TorrentQuery(
    title="Дюна", original_title="Dune: Part Two", year=2024, kind="movie", user_id=7
)


@pytest.fixture
def tracker() -> Iterator[tuple[FakeTracker, FixtureServer]]:
    fake = FakeTracker()
    with FixtureServer(fake.routes()) as srv:
        yield fake, srv


def source(tmp_path: Path, url: str, creds: MemoryCredentials, **operator: str) -> RutrackerSource:
    http = HttpFactory(tmp_path, timeout=1, backoff=0.01)
    return RutrackerSource(
        http,
        base_url=url + RUTRACKER,
        credentials=creds,
        operator_username=operator.get("username"),
        operator_password=operator.get("password"),
    )


async def test_users_own_account_logs_in_once_and_session_is_reused(
    tmp_path: Path, tracker: tuple[FakeTracker, FixtureServer]
) -> None:
    fake, srv = tracker
    creds = MemoryCredentials()
    await creds.put(7, USERNAME_KEY, "кино_фан")
    await creds.put(7, PASSWORD_KEY, "pass")
    rt = source(tmp_path, srv.url, creds)
    results = await rt.search(DUNE)
    assert [r.seeders for r in results] == [97, 355, 1204]
    assert results[0].size == 83880000000 and results[0].ref == "6522121"
    assert results[0].name.startswith("Дюна: Часть вторая / Dune: Part Two")
    assert creds.values[(7, SESSION_KEY)] == "session-1"
    await rt.search(TorrentQuery(title="Другое", user_id=7))
    assert fake.logins == 1


async def test_operator_account_when_user_has_none(
    tmp_path: Path, tracker: tuple[FakeTracker, FixtureServer]
) -> None:
    _fake, srv = tracker
    creds = MemoryCredentials()
    rt = source(tmp_path, srv.url, creds, username="кино_фан", password="pass")
    assert len(await rt.search(DUNE)) == 3
    assert creds.values[(0, SESSION_KEY)] == "session-1"


async def test_expired_session_logs_in_again(
    tmp_path: Path, tracker: tuple[FakeTracker, FixtureServer]
) -> None:
    fake, srv = tracker
    creds = MemoryCredentials()
    await creds.put(0, SESSION_KEY, "stale-session")
    rt = source(tmp_path, srv.url, creds, username="кино_фан", password="pass")
    assert len(await rt.search(DUNE)) == 3
    assert fake.logins == 1 and creds.values[(0, SESSION_KEY)] == "session-1"


async def test_wrong_password_and_no_account(
    tmp_path: Path, tracker: tuple[FakeTracker, FixtureServer]
) -> None:
    _fake, srv = tracker
    with pytest.raises(AuthFailed):
        await source(
            tmp_path, srv.url, MemoryCredentials(), username="кино_фан", password="bad"
        ).search(DUNE)
    with pytest.raises(AuthFailed):
        await source(tmp_path, srv.url, MemoryCredentials()).search(DUNE)


async def test_captcha_is_reported(
    tmp_path: Path, tracker: tuple[FakeTracker, FixtureServer]
) -> None:
    fake, srv = tracker
    fake.captcha = True
    with pytest.raises(CaptchaRequired) as err:
        await source(
            tmp_path, srv.url, MemoryCredentials(), username="кино_фан", password="pass"
        ).search(DUNE)
    assert "pass" not in str(err.value)


@pytest.mark.parametrize("status", [200, 403])
async def test_block_page_is_reported(tmp_path: Path, status: int) -> None:
    routes = {
        f"{RUTRACKER}/forum/login.php": html_file("rutracker/blocked.html", "utf-8", status),
        f"{RUTRACKER}/forum/tracker.php": html_file("rutracker/blocked.html", "utf-8", status),
    }
    creds = MemoryCredentials()
    await creds.put(0, SESSION_KEY, "s")
    with FixtureServer(routes) as srv, pytest.raises(Blocked):
        await source(tmp_path, srv.url, creds, username="u", password="p").search(DUNE)


async def test_magnet_and_torrent_file_from_topic(
    tmp_path: Path, tracker: tuple[FakeTracker, FixtureServer]
) -> None:
    _fake, srv = tracker
    rt = source(tmp_path, srv.url, MemoryCredentials(), username="кино_фан", password="pass")
    first = (await rt.search(DUNE))[0]
    assert first.category == "UHD Video"  # the forum the topic sits in
    magnet = await rt.magnet(first)
    assert magnet.startswith("magnet:?xt=urn:btih:6A5E4D3C2B1A09F8E7D6C5B4A392817161514131")
    assert await rt.torrent_file(first) == TORRENT


async def test_empty_search_page(tmp_path: Path) -> None:
    creds = MemoryCredentials()
    await creds.put(0, SESSION_KEY, "s")
    routes = {f"{RUTRACKER}/forum/tracker.php": html_file("rutracker/search_empty.html")}
    with FixtureServer(routes) as srv:
        assert await source(tmp_path, srv.url, creds, username="u", password="p").search(DUNE) == []
    assert (FIXTURES / "rutracker/search_empty.html").exists()
