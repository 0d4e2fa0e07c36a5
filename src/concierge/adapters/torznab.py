"""Torznab endpoints (Jackett, Prowlarr): any number, each a URL with its apikey.

Caps-aware: ``t=caps`` says which search modes and parameters an indexer
supports; ids (imdbid, tmdbid, season, ep) are sent only where supported,
``q`` otherwise. Categories are the standard 2000 (movies) / 5000 (TV).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from xml.etree import ElementTree as ET

import structlog

from concierge.adapters.errors import AuthFailed, BadResponse, Blocked, NotFound, looks_blocked
from concierge.adapters.http import HttpFactory, Secrets
from concierge.core.torrents import (
    build_magnet,
    hash_from_magnet,
    looks_like_torrent,
    normalize_hash,
)
from concierge.core.units import parse_count
from concierge.skills.movies.domain import TorrentQuery, TorrentResult

log = structlog.get_logger(__name__)

TTL_CAPS = 24 * 3600.0
TTL_SEARCH = 15 * 60.0
TORZNAB_NS = "{http://torznab.com/schemas/2015/feed}"
MOVIES, TV = "2000", "5000"
# Newznab's standard top-level categories, by the thousand (3040 → Audio).
SECTIONS = {
    "1": "Console",
    "2": "Movies",
    "3": "Audio",
    "4": "PC",
    "5": "TV",
    "6": "XXX",
    "7": "Books",
    "8": "Other",
}


@dataclass(frozen=True, slots=True)
class Caps:
    search: frozenset[str]
    movie: frozenset[str] | None  # None: mode not available
    tv: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Endpoint:
    origin: str  # scheme://host:port
    path: str  # the API path, e.g. /api/v2.0/indexers/all/results/torznab/api
    label: str  # shown to users: host/indexer
    secret: dict[str, str]  # apikey, added only when sending
    params: dict[str, str]  # any other fixed query parameters


def split_endpoint(url: str) -> Endpoint:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    secret = {k: v for k, v in query.items() if k.lower() == "apikey"}
    rest = {k: v for k, v in query.items() if k.lower() != "apikey"}
    segments = [s for s in parts.path.split("/") if s]
    indexer = segments[segments.index("indexers") + 1] if "indexers" in segments[:-1] else ""
    label = f"{parts.hostname}" + (f"/{indexer}" if indexer else "")
    origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return Endpoint(origin, parts.path or "/api", label, secret, rest)


def _modes(root: ET.Element) -> Caps:
    searching = root.find("searching")
    if searching is None:
        raise ValueError("caps without <searching>")

    def mode(tag: str) -> frozenset[str] | None:
        node = searching.find(tag)
        if node is None or node.get("available", "no") != "yes":
            return None
        return frozenset(
            p.strip() for p in node.get("supportedParams", "q").split(",") if p.strip()
        )

    return Caps(
        search=mode("search") or frozenset({"q"}), movie=mode("movie-search"), tv=mode("tv-search")
    )


def _category(item: ET.Element, attrs: list[tuple[str, str]]) -> str | None:
    """The first standard category an item lists, as a section name; indexer-specific
    ids (100000 and up) say nothing common."""
    codes = [(c.text or "").strip() for c in item.findall("category")]
    codes += [value for name, value in attrs if name == "category"]
    for code in codes:
        if code.isdigit() and len(code) == 4 and code[0] in SECTIONS:
            return f"{SECTIONS[code[0]]} ({code})"
    return None


def _raise_on_error(root: ET.Element, source: str) -> None:
    if root.tag == "error":
        code = root.get("code", "")
        description = root.get("description", "")[:80]
        if code in {"100", "101", "102"}:
            raise AuthFailed(source, description)
        raise BadResponse(source, f"torznab error {code}: {description}")


class TorznabSource:
    """``TorrentSource`` over one Torznab endpoint."""

    def __init__(self, http: HttpFactory, *, endpoint: str, index: int = 0) -> None:
        self._endpoint = split_endpoint(endpoint)
        self.label = self._endpoint.label
        self.name = f"torznab:{self.label}" if self.label else f"torznab{index}"
        self._client = http.client(
            f"torznab{index}", self._endpoint.origin, secrets=Secrets(params=self._endpoint.secret)
        )
        self._caps: Caps | None = None

    async def _xml(self, params: dict[str, str], ttl: float) -> ET.Element:
        response = await self._client.get(
            self._endpoint.path, params={**self._endpoint.params, **params}, ttl=ttl
        )
        try:
            root = ET.fromstring(response.content)  # noqa: S314 - operator-configured indexer
        except ET.ParseError as exc:
            if looks_blocked(response.text):
                raise Blocked(self.name, "block page instead of the indexer") from exc
            raise BadResponse(self.name, "malformed XML") from exc
        _raise_on_error(root, self.name)
        if root.tag not in ("caps", "rss"):
            if looks_blocked(response.text):
                raise Blocked(self.name, "block page instead of the indexer")
            raise BadResponse(self.name, f"unexpected <{root.tag}> document")
        return root

    async def caps(self) -> Caps:
        if self._caps is None:
            root = await self._xml({"t": "caps"}, TTL_CAPS)
            try:
                self._caps = _modes(root)
            except ValueError as exc:
                raise BadResponse(self.name, str(exc)) from exc
        return self._caps

    def _params(self, query: TorrentQuery, caps: Caps) -> dict[str, str]:
        """The most exact search the indexer supports for this query."""
        if query.kind == "tv" and caps.tv is not None:
            params = {"t": "tvsearch", "cat": TV}
            supported = caps.tv
        elif query.kind == "movie" and caps.movie is not None:
            params = {"t": "movie", "cat": MOVIES}
            supported = caps.movie
        else:
            return {"t": "search", "q": query.text, "cat": TV if query.kind == "tv" else MOVIES}
        has_id = False
        if query.imdb_id and "imdbid" in supported:
            params["imdbid"] = query.imdb_id
            has_id = True
        if query.tmdb_id and "tmdbid" in supported:
            params["tmdbid"] = str(query.tmdb_id)
            has_id = True
        if not has_id:
            params["q"] = query.original_title or query.title
            if query.year and query.kind == "movie" and "year" in supported:
                params["year"] = str(query.year)
            elif query.year and query.kind == "movie":
                params["q"] = query.text
        if query.kind == "tv":
            if query.season is not None and "season" in supported:
                params["season"] = str(query.season)
            if query.episode is not None and "ep" in supported:
                params["ep"] = str(query.episode)
        return params

    async def search(self, query: TorrentQuery) -> list[TorrentResult]:
        caps = await self.caps()
        root = await self._xml(self._params(query, caps), TTL_SEARCH)
        channel = root.find("channel")
        if channel is None:
            raise BadResponse(self.name, "RSS without <channel>")
        return [r for item in channel.findall("item") if (r := self._item(item)) is not None]

    def _item(self, item: ET.Element) -> TorrentResult | None:
        title = (item.findtext("title") or "").strip()
        if not title:
            return None
        pairs = [(a.get("name", ""), a.get("value", "")) for a in item.findall(f"{TORZNAB_NS}attr")]
        attrs = dict(pairs)
        link = (item.findtext("link") or "").strip()
        magnet = attrs.get("magneturl") or (link if link.startswith("magnet:") else "")
        info_hash = normalize_hash(attrs.get("infohash")) or hash_from_magnet(magnet)
        enclosure = item.find("enclosure")
        size_text = (
            item.findtext("size")
            or attrs.get("size")
            or (enclosure.get("length") if enclosure is not None else "")
        )
        indexer = item.find("jackettindexer")
        if indexer is None:
            indexer = item.find("prowlarrindexer")
        seeders = parse_count(attrs.get("seeders"))
        peers = parse_count(attrs.get("peers"))
        return TorrentResult(
            source=self.name,
            tracker=(indexer.text or "").strip()
            if indexer is not None and indexer.text
            else self.label,
            name=title,
            size=parse_count(size_text),
            seeders=seeders,
            leechers=max(peers - seeders, 0),
            info_hash=info_hash,
            magnet=magnet or (build_magnet(info_hash, title) if info_hash else None),
            torrent_url=link if link.startswith("http") else None,
            page_url=(item.findtext("comments") or "").strip() or None,
            ref=(item.findtext("guid") or "").strip() or None,
            published=(item.findtext("pubDate") or "").strip() or None,
            category=_category(item, pairs),
        )

    async def torrent_file(self, result: TorrentResult, user_id: int | None = None) -> bytes:
        """The .torrent behind a result's link, fetched here: Jackett and Prowlarr put the
        API key in that link, so it is never shown to a user as a URL button.

        Only links to the indexer's own origin are followed (the key goes nowhere else).
        """
        link = urlsplit(result.torrent_url or "")
        if urlunsplit((link.scheme, link.netloc, "", "", "")) != self._endpoint.origin:
            raise NotFound(self.name, "no .torrent link on the indexer for this release")
        params = dict(parse_qsl(link.query, keep_blank_values=True))  # kept out of logs
        response = await self._client.request("GET", link.path or "/", params=params)
        data = response.content
        if not looks_like_torrent(data):
            raise BadResponse(self.name, "the indexer did not hand over a .torrent file")
        return data

    async def magnet(self, result: TorrentResult, user_id: int | None = None) -> str:
        if result.magnet:
            return result.magnet
        raise BadResponse(self.name, "the indexer gave no magnet or hash for this release")
