"""News headlines from RSS 2.0 and Atom feeds the operator listed (``DIGEST_FEEDS``).

Every URL goes through the core URL guard before a request (no cloud metadata, no LAN
unless the operator allowed it); redirects are not followed, so a feed cannot bounce the
request somewhere the guard did not check. Each fetch has its own timeout.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

import structlog

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import HttpFactory, ResilientClient
from concierge.core.urlguard import Resolver, UnsafeURL, check_url, system_resolver
from concierge.skills.digests.ports import Headline

log = structlog.get_logger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_ITEMS = 50


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        moment = parsedate_to_datetime(text)  # RSS: RFC 822
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))  # Atom: RFC 3339
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _guid(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def parse_feed(body: bytes, url: str) -> list[Headline]:
    """The items of an RSS or Atom document, newest first as the feed lists them."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 — ElementTree expands no external entities
    except ElementTree.ParseError as exc:
        raise BadResponse("feed", "malformed RSS/Atom") from exc
    host = urlsplit(url).hostname or url
    channel = root.findtext("channel/title") or root.findtext(f"{ATOM}title") or host
    found: list[tuple[str, str, str, datetime | None]] = []  # id, title, link, when
    for item in root.iter("item"):
        link = (item.findtext("link") or "").strip()
        guid = item.findtext("guid") or link
        found.append((guid, item.findtext("title") or "", link, _when(item.findtext("pubDate"))))
    for entry in root.iter(f"{ATOM}entry"):
        node = entry.find(f"{ATOM}link")
        link = node.get("href", "").strip() if node is not None else ""
        when = entry.findtext(f"{ATOM}updated") or entry.findtext(f"{ATOM}published")
        guid = entry.findtext(f"{ATOM}id") or link
        found.append((guid, entry.findtext(f"{ATOM}title") or "", link, _when(when)))
    headlines = [
        Headline(
            guid=_guid(url, (guid or title).strip()),
            title=title.strip(),
            link=link or None,
            published=published,
            feed=url,
            source=channel.strip(),
        )
        for guid, title, link, published in found
        if title.strip()
    ]
    return headlines[:MAX_ITEMS]


class RssFeeds:
    """``FeedReader``: one guarded, time-limited GET per feed."""

    def __init__(
        self,
        http: HttpFactory,
        *,
        allow_private: bool = False,
        timeout: float = 10.0,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._client: ResilientClient = http.client(
            "feeds",
            "",
            headers={"Accept": "application/rss+xml, application/atom+xml, application/xml"},
            timeout=timeout,
            cache=False,  # the digest's own cache keeps parsed headlines, shared by all users
            follow_redirects=False,
            keep_cookies=False,
        )
        self._allow_private = allow_private
        self._resolver = resolver

    async def headlines(self, url: str) -> list[Headline]:
        """Raises ``UnsafeURL`` for a refused address, an ``ExternalServiceError`` otherwise."""
        try:
            await check_url(url, allow_private=self._allow_private, resolver=self._resolver)
        except UnsafeURL as exc:
            log.warning("feed_refused", feed=url, refusal=exc.refusal.value)
            raise
        response = await self._client.get(url)  # failures are logged by the client
        try:
            return parse_feed(response.content, url)
        except BadResponse:
            log.warning("feed_unreadable", feed=url, bytes=len(response.content))
            raise
