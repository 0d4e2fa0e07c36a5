"""The Pirate Bay through apibay's JSON API (``/q.php``).

Every field is a string; an empty search answers with one placeholder row
(id "0", "No results returned", an all-zero hash), which means "nothing".
"""

from __future__ import annotations

import structlog

from concierge.adapters.errors import BadResponse
from concierge.adapters.http import HttpFactory
from concierge.core.torrents import build_magnet, normalize_hash
from concierge.core.units import parse_count
from concierge.skills.movies.domain import TorrentQuery, TorrentResult

log = structlog.get_logger(__name__)

TTL_SEARCH = 15 * 60.0
VIDEO_CATEGORY = "200"  # Video: movies, TV, HD and UHD sub-categories
# The Pirate Bay's top-level sections by a category code's first digit ("104" → Audio).
SECTIONS = {
    "1": "Audio",
    "2": "Video",
    "3": "Applications",
    "4": "Games",
    "5": "Porn",
    "6": "Other",
}


def _category(code: object) -> str | None:
    text = str(code or "").strip()
    if not (text.isdigit() and len(text) == 3 and text[0] in SECTIONS):
        return None
    return f"{SECTIONS[text[0]]} ({text})"


class ApibaySource:
    """``TorrentSource`` over apibay."""

    name = "apibay"

    def __init__(self, http: HttpFactory, *, base_url: str) -> None:
        self._client = http.client("apibay", base_url, headers={"Accept": "application/json"})

    async def search(self, query: TorrentQuery) -> list[TorrentResult]:
        text = query.text
        if query.kind == "tv" and query.season is not None:
            text = f"{query.original_title or query.title} S{query.season:02d}"
            if query.episode is not None:
                text += f"E{query.episode:02d}"
        data = await self._client.get_json(
            "/q.php", params={"q": text, "cat": VIDEO_CATEGORY}, ttl=TTL_SEARCH
        )
        if not isinstance(data, list):
            raise BadResponse(self.name, "expected a list")
        results: list[TorrentResult] = []
        for item in data:
            if not isinstance(item, dict):
                continue
            info_hash = normalize_hash(str(item.get("info_hash") or ""))
            if info_hash is None or str(item.get("id")) == "0":
                continue
            name = str(item.get("name") or "")
            results.append(
                TorrentResult(
                    source=self.name,
                    tracker="PirateBay",
                    name=name,
                    size=parse_count(item.get("size")),
                    seeders=parse_count(item.get("seeders")),
                    leechers=parse_count(item.get("leechers")),
                    info_hash=info_hash,
                    magnet=build_magnet(info_hash, name),
                    ref=str(item.get("id")),
                    category=_category(item.get("category")),
                )
            )
        return results

    async def magnet(self, result: TorrentResult, user_id: int | None = None) -> str:
        if result.magnet:
            return result.magnet
        if result.info_hash:
            return build_magnet(result.info_hash, result.name)
        raise BadResponse(self.name, "result without hash")
