"""Which library downloads a link: the libraries' own knowledge of sites, then a guess.

gallery-dl when it has a site-specific extractor for the URL, yt-dlp when one of its
extractors other than Generic claims it, else a generic attempt (yt-dlp's generic and
HTML5 extractors first, then gallery-dl's direct links). ``GRAB_ROUTES`` pins a host
(and its subdomains) to one tool. yt-dlp's extractor list takes seconds to build, so the
bot routes (in a thread; warm after the first link) and each child loads only its tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

Tool = Literal["yt-dlp", "gallery-dl", "generic"]
TOOLS: tuple[Tool, ...] = ("yt-dlp", "gallery-dl", "generic")
_NOT_SPECIFIC = {"directlink", "generic", "noop", "recursive"}


def parse_routes(items: list[str]) -> dict[str, Tool]:
    """``["example.org:gallery-dl", …]`` as {host: tool}; raises ValueError on a bad item."""
    routes: dict[str, Tool] = {}
    for item in items:
        host, _, tool = item.rpartition(":")
        tool = tool.strip().lower()
        if not host.strip() or tool not in TOOLS:
            raise ValueError(f"GRAB_ROUTES item {item!r}: want host:yt-dlp|gallery-dl|generic")
        routes[host.strip().lower().lstrip(".")] = tool
    return routes


def pinned(url: str, routes: Mapping[str, str]) -> str | None:
    host = (urlsplit(url).hostname or "").lower()
    while host:
        if host in routes:
            return routes[host]
        host = host.partition(".")[2]
    return None


def gallery_specific(url: str) -> bool:
    from gallery_dl import extractor  # type: ignore[import-untyped]

    found = extractor.find(url)
    return found is not None and found.category not in _NOT_SPECIFIC


def ytdlp_specific(url: str) -> bool:
    from yt_dlp.extractor import gen_extractor_classes  # type: ignore[import-untyped]

    return any(ie.ie_key() != "Generic" and ie.suitable(url) for ie in gen_extractor_classes())


def choose(url: str, routes: Mapping[str, str]) -> str:
    pin = pinned(url, routes)
    if pin is not None:
        return pin
    if gallery_specific(url):
        return "gallery-dl"
    if ytdlp_specific(url):
        return "yt-dlp"
    return "generic"
