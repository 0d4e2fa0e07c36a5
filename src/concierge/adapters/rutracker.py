"""RuTracker directly: the user's own account (or the operator's), HTML pages.

Logs in with ``login.php`` (the forms are windows-1251), keeps the
``bb_session`` cookie encrypted in the credential store per user and reuses it
until a page shows the login form again. A captcha on login, a block page or a
403 are reported as such, never as "no results". Magnets come from the topic
page, .torrent files from ``dl.php`` with the session.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Protocol
from urllib.parse import urlencode

import httpx
import structlog
from bs4 import BeautifulSoup, Tag

from concierge.adapters.errors import (
    AuthFailed,
    BadResponse,
    Blocked,
    CaptchaRequired,
    NotFound,
    looks_blocked,
)
from concierge.adapters.http import HttpFactory
from concierge.core.torrents import hash_from_magnet
from concierge.core.units import parse_size
from concierge.skills.movies.domain import TorrentQuery, TorrentResult

log = structlog.get_logger(__name__)

OPERATOR = 0
USERNAME_KEY = "rutracker.username"
PASSWORD_KEY = "rutracker.password"  # noqa: S105 - a credential name, not a password
SESSION_KEY = "rutracker.session"
SESSION_COOKIE = "bb_session"
TTL_SEARCH = 15 * 60.0
TTL_TOPIC = 24 * 3600.0
_TOPIC_ID = re.compile(r"[?&]t=(\d+)")


class Credentials(Protocol):
    """The part of ``CredentialStore`` this adapter uses."""

    async def get(self, user_id: int, name: str) -> str | None: ...

    async def put(self, user_id: int, name: str, value: str) -> None: ...

    async def delete(self, user_id: int, name: str) -> None: ...


def _is_login_page(html: str) -> bool:
    return 'name="login_username"' in html or "name='login_username'" in html


def _has_captcha(html: str) -> bool:
    return "cap_sid" in html or re.search(r'name="cap_code_', html) is not None


class RutrackerSource:
    """``TorrentSource``, ``TorrentFileSource`` and ``TrackerAccounts`` over rutracker.org."""

    name = "rutracker"

    def __init__(
        self,
        http: HttpFactory,
        *,
        base_url: str,
        credentials: Credentials,
        operator_username: str | None = None,
        operator_password: str | None = None,
    ) -> None:
        self._client = http.client(
            "rutracker", base_url, follow_redirects=False, keep_cookies=False
        )
        self._credentials = credentials
        self._operator = (operator_username, operator_password)

    async def _account(self, user_id: int | None) -> tuple[int, str, str]:
        """(owner id, username, password): the user's own account first, then the operator's."""
        if user_id is not None:
            username = await self._credentials.get(user_id, USERNAME_KEY)
            password = await self._credentials.get(user_id, PASSWORD_KEY)
            if username and password:
                return user_id, username, password
        username, password = self._operator
        if username and password:
            return OPERATOR, username, password
        raise AuthFailed(self.name, "no RuTracker account configured")

    async def _login(self, owner: int, username: str, password: str) -> str:
        body = urlencode(
            {"login_username": username, "login_password": password, "login": "вход"},
            encoding="cp1251",
        ).encode()
        response = await self._client.request(
            "POST",
            "/forum/login.php",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            ok_statuses=frozenset({403}),
        )
        session = _session_cookie(response)
        if session:
            await self._credentials.put(owner, SESSION_KEY, session)
            log.info("rutracker_logged_in", owner=owner)
            return session
        page = response.text
        self._check_page(response, page)
        if _has_captcha(page):
            raise CaptchaRequired(self.name, "login asks for a captcha; log in once in a browser")
        raise AuthFailed(self.name, "login rejected")

    async def username(self, user_id: int) -> str | None:
        """The user's own stored RuTracker login, if any (the operator's is not shown)."""
        if await self._credentials.get(user_id, PASSWORD_KEY) is None:
            return None
        return await self._credentials.get(user_id, USERNAME_KEY)

    async def sign_in(self, user_id: int, username: str, password: str) -> None:
        """Log in with these credentials; store them (and the session) only if it worked."""
        await self._login(user_id, username, password)
        await self._credentials.put(user_id, USERNAME_KEY, username)
        await self._credentials.put(user_id, PASSWORD_KEY, password)

    async def sign_out(self, user_id: int) -> None:
        for key in (USERNAME_KEY, PASSWORD_KEY, SESSION_KEY):
            await self._credentials.delete(user_id, key)
        log.info("rutracker_signed_out", owner=user_id)

    def _check_page(self, response: httpx.Response, page: str) -> None:
        if response.status_code == 403 or (
            looks_blocked(page) and "login_username" not in page and "tor-tbl" not in page
        ):
            raise Blocked(self.name, f"HTTP {response.status_code}")

    async def _session(self, owner: int, username: str, password: str) -> str:
        stored = await self._credentials.get(owner, SESSION_KEY)
        return stored or await self._login(owner, username, password)

    async def _page(
        self, path: str, params: dict[str, str], user_id: int | None, ttl: float
    ) -> str:
        """A page fetched with a live session; logs in again once if it expired."""
        owner, username, password = await self._account(user_id)
        session = await self._session(owner, username, password)
        for attempt in (1, 2):
            response = await self._client.request(
                "GET",
                path,
                params=params,
                headers={"Cookie": f"{SESSION_COOKIE}={session}"},
                ttl=ttl if attempt == 1 else None,
                ok_statuses=frozenset({403}),
            )
            page = response.text
            self._check_page(response, page)
            if not _is_login_page(page):
                return page
            if _has_captcha(page):
                raise CaptchaRequired(self.name, "the tracker asks for a captcha")
            await self._credentials.delete(owner, SESSION_KEY)
            session = await self._login(owner, username, password)
        raise AuthFailed(self.name, "session rejected right after login")

    async def search(self, query: TorrentQuery) -> list[TorrentResult]:
        page = await self._page("/forum/tracker.php", {"nm": query.text}, query.user_id, TTL_SEARCH)
        soup = BeautifulSoup(page, "lxml")
        table = soup.select_one("#tor-tbl")
        if table is None:
            if looks_blocked(page):
                raise Blocked(self.name, "block page instead of the search results")
            raise BadResponse(self.name, "search page without a results table")
        results: list[TorrentResult] = []
        for row in table.select("tr.hl-tr"):
            parsed = self._row(row)
            if parsed is not None:
                results.append(parsed)
        return results

    def _row(self, row: Tag) -> TorrentResult | None:
        link = row.select_one("a.tLink")
        if link is None:
            return None
        match = _TOPIC_ID.search(str(link.get("href") or ""))
        topic = str(link.get("data-topic_id") or (match.group(1) if match else ""))
        if not topic:
            return None
        size_cell = row.select_one("td.tor-size")
        size = 0
        if size_cell is not None:
            exact = str(size_cell.get("data-ts_text") or "")
            size = (
                int(exact) if exact.isdigit() else parse_size(size_cell.get_text(" ", strip=True))
            )
        seeds = row.select_one("b.seedmed") or row.select_one("td.seedmed")
        leech = row.select_one("td.leechmed")
        forum = row.select_one(".f-name a") or row.select_one("td.f-name-col")
        section = forum.get_text(" ", strip=True) if forum is not None else ""
        base = self._client.base_url
        return TorrentResult(
            source=self.name,
            tracker="RuTracker",
            name=link.get_text(" ", strip=True),
            size=size,
            seeders=_digits(seeds.get_text() if seeds else ""),
            leechers=_digits(leech.get_text() if leech else ""),
            page_url=f"{base}/forum/viewtopic.php?t={topic}",
            torrent_url=f"{base}/forum/dl.php?t={topic}",
            ref=topic,
            category=section or None,
        )

    async def magnet(self, result: TorrentResult, user_id: int | None = None) -> str:
        if result.magnet:
            return result.magnet
        if not result.ref:
            raise NotFound(self.name, "result has no topic id")
        page = await self._page("/forum/viewtopic.php", {"t": result.ref}, user_id, TTL_TOPIC)
        link = BeautifulSoup(page, "lxml").select_one(
            'a.magnet-link[href^="magnet:"], a[href^="magnet:"]'
        )
        if link is None or hash_from_magnet(str(link.get("href"))) is None:
            raise NotFound(self.name, "topic page without a magnet link")
        return str(link.get("href"))

    async def torrent_file(self, result: TorrentResult, user_id: int | None = None) -> bytes:
        if not result.ref:
            raise NotFound(self.name, "result has no topic id")
        owner, username, password = await self._account(user_id)
        session = await self._session(owner, username, password)
        response = await self._client.request(
            "GET",
            "/forum/dl.php",
            params={"t": result.ref},
            headers={"Cookie": f"{SESSION_COOKIE}={session}"},
            ok_statuses=frozenset({403}),
        )
        if not response.content.startswith(b"d"):  # a bencoded dictionary
            self._check_page(response, response.text)
            raise AuthFailed(self.name, "the tracker did not hand over the .torrent file")
        return response.content


def _session_cookie(response: httpx.Response) -> str | None:
    """``bb_session`` from Set-Cookie, read directly: mirrors serve other domains and paths."""
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        if SESSION_COOKIE in jar and jar[SESSION_COOKIE].value not in ("", "deleted"):
            return jar[SESSION_COOKIE].value
    return None


def _digits(text: str) -> int:
    found = re.sub(r"\D", "", text)
    return int(found) if found else 0
