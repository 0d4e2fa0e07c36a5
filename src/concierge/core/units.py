"""Sizes as people write them: read from tracker pages, written in the user's language.

Trackers write "18.33 GB", "32,79 ГБ" or "944 MB"; users read "1.5 GB" or "1,5 ГБ".
Binary multiples throughout (1 KB = 1024 B), as trackers and torrent clients count.
Unit names come from the catalogue (``units.size.*``); the number's decimal mark
from Babel's locale data, so each language gets its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

if TYPE_CHECKING:
    from concierge.core.i18n import Catalog

UNITS = ("b", "kb", "mb", "gb", "tb")
UNKNOWN_SIZE = "?"
_FACTORS = {
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


def parse_size(text: str | None) -> int:
    """ "18.33 GB", "32,79 ГБ", "944 MB", "1234" → bytes; 0 when unreadable."""
    if not text:
        return 0
    match = _SIZE.search(text.replace("\xa0", " "))
    if not match:
        return int(text) if text.strip().isdigit() else 0
    number = float(match.group(1).replace(",", "."))
    return int(number * _FACTORS[match.group(2).lower()])


def parse_count(value: object) -> int:
    """A tracker's seeders, size in bytes or id: a non-negative whole number, else 0.

    Trackers vary ("12", 12, " 7 ", "N/A", "-1"); only plain digits count.
    """
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else 0


def size_parts(count: float) -> tuple[float, str]:
    """``(value, unit)`` with the largest unit (of ``UNITS``) that keeps the value under 1024."""
    value = float(count)
    for unit in UNITS[:-1]:
        if value < 1024:
            return value, unit
        value /= 1024
    return value, UNITS[-1]


def format_size(count: float, *, lang: str, catalog: Catalog) -> str:
    """ "1.5 GB" (en), "1,5 ГБ" (ru): whole bytes, one decimal above; "?" when not above 0.

    Trackers report an unknown size as 0, so 0 and less read as unknown.
    """
    if count <= 0:
        return UNKNOWN_SIZE
    value, unit = size_parts(count)
    number = format_decimal(value, "0" if unit == "b" else "0.0", locale=lang)
    return catalog.t(f"units.size.{unit}", lang, n=number)
