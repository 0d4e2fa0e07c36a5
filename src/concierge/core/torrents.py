"""BitTorrent identities: info-hashes, magnet links and .torrent bytes, without a daemon.

One module, because trackers (search results) and torrent clients (downloads) must
agree on what a hash is: the info-hash, as 40 lower-case hex characters, is the one
key a release and a download are matched by. Clients disagree on what "add" returns
(qBittorrent returns only "Ok."), so the hash is always computed here.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import torf

# Open trackers added to magnets built from a bare info-hash (as apibay does).
PUBLIC_TRACKERS = (
    "udp://tracker.opentrackr.org:1337/announce",
    "udp://open.stealth.si:80/announce",
    "udp://tracker.torrent.eu.org:451/announce",
    "udp://exodus.desync.com:6969/announce",
)
MAX_TORRENT_BYTES = 10 * 1024 * 1024  # far above any real .torrent; a bigger body is not one
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_BASE32 = re.compile(r"[A-Za-z2-7]{32}")
_BTIH = re.compile(r"urn:btih:([0-9a-zA-Z]{32,40})", re.I)
_BTIH_PREFIX = "urn:btih:"


class InvalidTorrent(ValueError):
    """Not a magnet link with a BitTorrent v1 hash, or not a readable .torrent file."""


@dataclass(frozen=True, slots=True)
class TorrentIdentity:
    info_hash: str  # lower-case hex
    name: str


def normalize_hash(value: str | None) -> str | None:
    """40 lower-case hex characters for a 40-hex or 32-base32 v1 info-hash, else None.

    All zeros is None too: trackers (apibay) use it to mean "no result".
    """
    value = (value or "").strip()
    if _HEX40.fullmatch(value):
        return None if set(value) == {"0"} else value.lower()
    if _BASE32.fullmatch(value):
        return base64.b32decode(value.upper()).hex()
    return None


def hash_from_magnet(magnet: str | None) -> str | None:
    """The info-hash anywhere in a tracker's magnet text (lenient: HTML-escaped, cut), or None."""
    match = _BTIH.search(magnet or "")
    return normalize_hash(match.group(1)) if match else None


def build_magnet(
    info_hash: str, name: str = "", trackers: tuple[str, ...] = PUBLIC_TRACKERS
) -> str:
    parts = [f"magnet:?xt={_BTIH_PREFIX}{info_hash}"]
    if name:
        parts.append(f"dn={quote(name)}")
    parts.extend(f"tr={quote(tr, safe='')}" for tr in trackers)
    return "&".join(parts)


def parse_magnet(magnet: str) -> TorrentIdentity:
    """Hash and display name of a magnet link; raises ``InvalidTorrent`` (strict, for clients)."""
    parts = urlsplit(magnet.strip())
    if parts.scheme.lower() != "magnet":
        raise InvalidTorrent("not a magnet link")
    query = parse_qs(parts.query)
    for xt in query.get("xt", []):
        if xt.lower().startswith(_BTIH_PREFIX):
            info_hash = normalize_hash(xt[len(_BTIH_PREFIX) :])
            if info_hash is None:
                raise InvalidTorrent("not a BitTorrent v1 info-hash")
            names = query.get("dn", [])
            return TorrentIdentity(info_hash, names[0] if names else info_hash)
    raise InvalidTorrent("magnet link has no urn:btih hash")


def looks_like_torrent(data: bytes) -> bool:
    """A cheap check before parsing: a bencoded dictionary of a sane size."""
    return data.startswith(b"d") and len(data) <= MAX_TORRENT_BYTES


def parse_torrent(data: bytes) -> TorrentIdentity:
    """Hash and name of .torrent bytes; raises ``InvalidTorrent``."""
    if not data or len(data) > MAX_TORRENT_BYTES:
        raise InvalidTorrent("torrent file is empty or too large")
    try:
        torrent = torf.Torrent.read_stream(io.BytesIO(data), validate=True)
        return TorrentIdentity(str(torrent.infohash).lower(), str(torrent.name or ""))
    except torf.TorfError as exc:
        raise InvalidTorrent("not a valid .torrent file") from exc
