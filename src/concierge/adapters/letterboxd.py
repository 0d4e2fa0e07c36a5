"""Letterboxd's public member feed (``https://letterboxd.com/<member>/rss/``).

Each ``<item>`` is a diary entry or review; Letterboxd adds its own namespace
(``letterboxd:filmTitle``, ``filmYear``, ``memberRating``, ``watchedDate``) and
TMDB's (``tmdb:movieId``), so a film needs no matching by name. Lists in the
feed carry no film title and are skipped.
"""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import HttpFactory, ResilientClient
from concierge.skills.memory.ports import DiaryItem

NS = {"letterboxd": "https://letterboxd.com", "tmdb": "https://themoviedb.org"}
TTL_FEED = 300.0
MEMBER = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def parse_feed(body: bytes) -> list[DiaryItem]:
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 — RSS from a configured host, no DTDs
    except ElementTree.ParseError as exc:
        raise BadResponse("letterboxd", "malformed RSS") from exc
    items: list[DiaryItem] = []
    for item in root.iter("item"):
        name = item.findtext("letterboxd:filmTitle", namespaces=NS)
        guid = item.findtext("guid")
        if not name or not guid:
            continue
        rating = item.findtext("letterboxd:memberRating", namespaces=NS)
        items.append(
            DiaryItem(
                guid=guid.strip(),
                name=name.strip(),
                year=_int(item.findtext("letterboxd:filmYear", namespaces=NS)),
                tmdb_id=_int(item.findtext("tmdb:movieId", namespaces=NS)),
                rating=float(rating) if rating else None,
                watched_on=_date(item.findtext("letterboxd:watchedDate", namespaces=NS)),
            )
        )
    return items


class LetterboxdFeed:
    """``DiaryFeed`` over the public RSS; member names are checked before any request."""

    name = "letterboxd"

    def __init__(self, http: HttpFactory, *, base_url: str) -> None:
        self._client: ResilientClient = http.client(
            "letterboxd", base_url, headers={"Accept": "application/rss+xml"}, timeout=15.0
        )

    async def diary(self, username: str) -> list[DiaryItem]:
        if not MEMBER.match(username):
            raise BadResponse(self.name, "not a Letterboxd member name")
        response = await self._client.get(f"/{username}/rss/", ttl=TTL_FEED)
        return parse_feed(response.content)
