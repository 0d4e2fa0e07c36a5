"""TorAPI (github.com/Lifailon/TorAPI): RuTracker, Kinozal, RuTor and NoNameClub
through one JSON API, no account needed.

``/api/search/title/all`` answers with an object keyed by tracker, each either
a list of releases or ``{"Result": "…"}`` (no matches, or the tracker is down).
Only RuTor lists hashes; the others get their magnet from
``/api/search/id/<provider>`` when the user asks for it.
"""

from __future__ import annotations

from typing import Any

import structlog

from concierge.adapters.errors import BadResponse, NotFound
from concierge.adapters.http import HttpFactory
from concierge.core.torrents import build_magnet, hash_from_magnet, normalize_hash
from concierge.core.units import parse_count, parse_size
from concierge.skills.movies.domain import TorrentQuery, TorrentResult

log = structlog.get_logger(__name__)

TTL_SEARCH = 15 * 60.0
TTL_DETAILS = 24 * 3600.0
PROVIDERS = {
    "RuTracker": "rutracker",
    "Kinozal": "kinozal",
    "RuTor": "rutor",
    "NoNameClub": "nonameclub",
}


class TorApiSource:
    """``TorrentSource`` over a TorAPI instance."""

    name = "torapi"

    def __init__(self, http: HttpFactory, *, base_url: str) -> None:
        self._client = http.client("torapi", base_url, headers={"Accept": "application/json"})

    async def search(self, query: TorrentQuery) -> list[TorrentResult]:
        data = await self._client.get_json(
            "/api/search/title/all", params={"query": query.text, "page": 0}, ttl=TTL_SEARCH
        )
        if not isinstance(data, dict):
            raise BadResponse(self.name, "expected an object keyed by tracker")
        results: list[TorrentResult] = []
        for tracker, items in data.items():
            if tracker not in PROVIDERS:
                continue  # a top-level {"Result": "No matches…"}
            if not isinstance(items, list):
                if isinstance(items, dict):
                    log.info(
                        "torapi_tracker_empty",
                        tracker=tracker,
                        result=str(items.get("Result"))[:80],
                    )
                continue
            results.extend(r for item in items if (r := self._result(tracker, item)) is not None)
        return results

    def _result(self, tracker: str, item: object) -> TorrentResult | None:
        if not isinstance(item, dict) or not item.get("Name"):
            return None
        magnet = item.get("Magnet") if isinstance(item.get("Magnet"), str) else None
        info_hash = normalize_hash(item.get("Hash")) or hash_from_magnet(magnet)
        return TorrentResult(
            source=self.name,
            tracker=tracker,
            name=str(item["Name"]),
            size=parse_size(str(item.get("Size") or "")),
            seeders=parse_count(item.get("Seeds", item.get("Seed"))),
            leechers=parse_count(item.get("Peers", item.get("Peer"))),
            info_hash=info_hash,
            magnet=magnet or (build_magnet(info_hash, str(item["Name"])) if info_hash else None),
            torrent_url=item.get("Torrent") if isinstance(item.get("Torrent"), str) else None,
            page_url=item.get("Url") if isinstance(item.get("Url"), str) else None,
            ref=f"{PROVIDERS[tracker]}:{item.get('Id')}" if item.get("Id") else None,
            published=str(item.get("Date") or "") or None,
            category=str(item.get("Type") or "") or None,
        )

    async def magnet(self, result: TorrentResult, user_id: int | None = None) -> str:
        if result.magnet:
            return result.magnet
        if not result.ref or ":" not in result.ref:
            raise NotFound(self.name, "result has no id to look up")
        provider, topic = result.ref.split(":", 1)
        data: Any = await self._client.get_json(
            f"/api/search/id/{provider}", params={"query": topic}, ttl=TTL_DETAILS
        )
        entries = data if isinstance(data, list) else [data]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if isinstance(entry.get("Magnet"), str) and entry["Magnet"].startswith("magnet:"):
                return str(entry["Magnet"])
            info_hash = normalize_hash(entry.get("Hash"))
            if info_hash:
                return build_magnet(info_hash, result.name)
        raise NotFound(self.name, "no magnet in the release details")
