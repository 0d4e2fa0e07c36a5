"""Info-hashes and names from magnet links and .torrent bytes, without a daemon.

Clients disagree on what "add" returns (qBittorrent returns only "Ok."), so the
info-hash is always computed here and is the one key a download is tracked by.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import torf

_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_BASE32 = re.compile(r"[A-Za-z2-7]{32}")
MAX_TORRENT_BYTES = 10 * 1024 * 1024


class InvalidTorrent(ValueError):
    """Not a magnet link with a BitTorrent v1 hash, or not a readable .torrent file."""


@dataclass(frozen=True, slots=True)
class TorrentIdentity:
    info_hash: str  # lower-case hex
    name: str


def normalize_hash(value: str) -> str:
    """Lower-case hex for a 40-hex or 32-base32 v1 info-hash; raises ``InvalidTorrent``."""
    value = value.strip()
    if _HEX40.fullmatch(value):
        return value.lower()
    if _BASE32.fullmatch(value):
        return binascii.hexlify(base64.b32decode(value.upper())).decode()
    raise InvalidTorrent("not a BitTorrent v1 info-hash")


def parse_magnet(magnet: str) -> TorrentIdentity:
    parts = urlsplit(magnet.strip())
    if parts.scheme.lower() != "magnet":
        raise InvalidTorrent("not a magnet link")
    query = parse_qs(parts.query)
    for xt in query.get("xt", []):
        if xt.lower().startswith("urn:btih:"):
            info_hash = normalize_hash(xt[len("urn:btih:") :])
            names = query.get("dn", [])
            return TorrentIdentity(info_hash, names[0] if names else info_hash)
    raise InvalidTorrent("magnet link has no urn:btih hash")


def parse_torrent(data: bytes) -> TorrentIdentity:
    if not data or len(data) > MAX_TORRENT_BYTES:
        raise InvalidTorrent("torrent file is empty or too large")
    try:
        torrent = torf.Torrent.read_stream(io.BytesIO(data), validate=True)
        return TorrentIdentity(str(torrent.infohash).lower(), str(torrent.name or ""))
    except torf.TorfError as exc:
        raise InvalidTorrent("not a valid .torrent file") from exc
