"""Magnet links, info-hashes and human size strings, as trackers write them."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

# Open trackers added to magnets built from a bare info-hash (as apibay does).
PUBLIC_TRACKERS = (
    "udp://tracker.opentrackr.org:1337/announce",
    "udp://open.stealth.si:80/announce",
    "udp://tracker.torrent.eu.org:451/announce",
    "udp://exodus.desync.com:6969/announce",
)
_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
_B32 = re.compile(r"^[A-Z2-7]{32}$")
_BTIH = re.compile(r"urn:btih:([0-9a-zA-Z]{32,40})", re.I)
_UNITS = {
    "b": 1,
    "kb": 1024,
    "kib": 1024,
    "mb": 1024**2,
    "mib": 1024**2,
    "gb": 1024**3,
    "gib": 1024**3,
    "tb": 1024**4,
    "tib": 1024**4,
    "кб": 1024,
    "мб": 1024**2,
    "гб": 1024**3,
    "тб": 1024**4,
}
_SIZE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([kmgt]i?b|[кмгт]б|b)\b", re.I)


def normalize_hash(value: str | None) -> str | None:
    """40 lowercase hex characters, or None. Base32 hashes are converted."""
    if not value:
        return None
    value = value.strip()
    if _HEX40.match(value):
        if set(value) == {"0"}:
            return None
        return value.lower()
    if _B32.match(value.upper()):
        return base64.b32decode(value.upper()).hex()
    return None


def hash_from_magnet(magnet: str | None) -> str | None:
    match = _BTIH.search(magnet or "")
    return normalize_hash(match.group(1)) if match else None


def build_magnet(
    info_hash: str, name: str = "", trackers: tuple[str, ...] = PUBLIC_TRACKERS
) -> str:
    parts = [f"magnet:?xt=urn:btih:{info_hash}"]
    if name:
        parts.append(f"dn={quote(name)}")
    parts.extend(f"tr={quote(tr, safe='')}" for tr in trackers)
    return "&".join(parts)


def parse_size(text: str | None) -> int:
    """ "18.33 GB", "32,79 ГБ", "944 MB" → bytes; 0 when unreadable."""
    if not text:
        return 0
    match = _SIZE.search(text.replace("\xa0", " "))
    if not match:
        return int(text) if text.strip().isdigit() else 0
    number = float(match.group(1).replace(",", "."))
    return int(number * _UNITS[match.group(2).lower()])


def human_size(size: int) -> str:
    if size <= 0:
        return "?"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
