"""What people type or share for "my time zone", turned into an IANA name.

Accepted: an IANA name ("Europe/Moscow"), a city of the tz database in English
("New York", "sao paulo") or a common one in Russian («Москва»), a UTC offset
("+3", "UTC-5", "GMT+05:30") and, on Telegram, a shared location (the nearest
city of the tz database's own coordinates table, ``zone1970.tab``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?$|^(?:utc|gmt)$")
# offsets with minutes have no Etc/ zone: the place that keeps them all year
_ODD_OFFSETS = {
    (-3, 30): "America/St_Johns",
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
    (10, 30): "Australia/Lord_Howe",
    (12, 45): "Pacific/Chatham",
}
_RUSSIAN = {
    "москва": "Europe/Moscow",
    "санкт-петербург": "Europe/Moscow",
    "петербург": "Europe/Moscow",
    "питер": "Europe/Moscow",
    "спб": "Europe/Moscow",
    "мск": "Europe/Moscow",
    "казань": "Europe/Moscow",
    "нижний новгород": "Europe/Moscow",
    "калининград": "Europe/Kaliningrad",
    "самара": "Europe/Samara",
    "екатеринбург": "Asia/Yekaterinburg",
    "челябинск": "Asia/Yekaterinburg",
    "уфа": "Asia/Yekaterinburg",
    "пермь": "Asia/Yekaterinburg",
    "омск": "Asia/Omsk",
    "новосибирск": "Asia/Novosibirsk",
    "красноярск": "Asia/Krasnoyarsk",
    "иркутск": "Asia/Irkutsk",
    "якутск": "Asia/Yakutsk",
    "владивосток": "Asia/Vladivostok",
    "хабаровск": "Asia/Vladivostok",
    "магадан": "Asia/Magadan",
    "камчатка": "Asia/Kamchatka",
    "петропавловск-камчатский": "Asia/Kamchatka",
    "киев": "Europe/Kyiv",
    "минск": "Europe/Minsk",
    "алматы": "Asia/Almaty",
    "астана": "Asia/Almaty",
    "ташкент": "Asia/Tashkent",
    "бишкек": "Asia/Bishkek",
    "тбилиси": "Asia/Tbilisi",
    "ереван": "Asia/Yerevan",
    "баку": "Asia/Baku",
    "рига": "Europe/Riga",
    "вильнюс": "Europe/Vilnius",
    "таллин": "Europe/Tallinn",
    "кишинёв": "Europe/Chisinau",
    "кишинев": "Europe/Chisinau",
    "берлин": "Europe/Berlin",
    "лондон": "Europe/London",
    "париж": "Europe/Paris",
    "прага": "Europe/Prague",
    "варшава": "Europe/Warsaw",
    "стамбул": "Europe/Istanbul",
    "дубай": "Asia/Dubai",
    "белград": "Europe/Belgrade",
    "лиссабон": "Europe/Lisbon",
    "мадрид": "Europe/Madrid",
    "рим": "Europe/Rome",
    "нью-йорк": "America/New_York",
    "лос-анджелес": "America/Los_Angeles",
    "чикаго": "America/Chicago",
    "торонто": "America/Toronto",
    "токио": "Asia/Tokyo",
    "пекин": "Asia/Shanghai",
    "бангкок": "Asia/Bangkok",
    "бали": "Asia/Makassar",
    "пхукет": "Asia/Bangkok",
    "тель-авив": "Asia/Jerusalem",
    "иерусалим": "Asia/Jerusalem",
}
_ALIASES = {
    "msk": "Europe/Moscow",
    "moscow": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "st petersburg": "Europe/Moscow",
    "kiev": "Europe/Kyiv",
    "beijing": "Asia/Shanghai",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "washington": "America/New_York",
    "boston": "America/New_York",
    "miami": "America/New_York",
    "utc": "UTC",
    "gmt": "UTC",
}


def _fold(text: str) -> str:
    """Lower case, accents and punctuation folded: "São_Paulo" → "sao paulo"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_.'-]+", " ", plain.lower()).strip()


@cache
def _by_city() -> dict[str, str]:
    """Every tz database zone by its full name and by its city part."""
    table: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in name:
            continue
        table.setdefault(_fold(name.replace("/", " ")), name)
        table.setdefault(_fold(name.rsplit("/", 1)[1]), name)
        table.setdefault(name.lower(), name)
    return table


def _from_offset(text: str) -> str | None:
    match = _OFFSET.match(text.replace(" ", "") if text[:1] in "+-−" else text)
    if match is None:
        return None
    if match.group(1) is None:
        return "UTC"
    sign = -1 if match.group(1) in "-−" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    if minutes:
        return _ODD_OFFSETS.get((sign * hours, minutes))
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"  # POSIX signs are inverted


def find_zone(text: str) -> str | None:
    """The IANA zone ``text`` names, or None."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        return None
    lowered = raw.lower()
    if lowered in _RUSSIAN:
        return _RUSSIAN[lowered]
    offset = _from_offset(lowered)
    if offset is not None:
        return offset
    folded = _fold(raw)
    return _ALIASES.get(folded) or _by_city().get(lowered) or _by_city().get(folded)


@cache
def _coordinates() -> tuple[tuple[float, float, str], ...]:
    """(latitude, longitude, zone) of each zone's principal city, from tzdata."""
    table = resources.files("tzdata").joinpath("zoneinfo/zone1970.tab").read_text()
    rows = []
    for line in table.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _countries, coords, zone, *_ = line.split("\t")
        split = max(coords.rfind("+"), coords.rfind("-"))
        rows.append((_degrees(coords[:split]), _degrees(coords[split:]), zone))
    return tuple(rows)


def _degrees(iso6709: str) -> float:
    """±DDMM[SS] / ±DDDMM[SS] as decimal degrees."""
    sign = -1.0 if iso6709[0] == "-" else 1.0
    digits = iso6709[1:]
    width = 2 if len(digits) in (4, 6) else 3
    whole, rest = int(digits[:width]), digits[width:]
    minutes, seconds = int(rest[:2]), int(rest[2:4] or 0)
    return sign * (whole + minutes / 60 + seconds / 3600)


def zone_at(latitude: float, longitude: float) -> str:
    """The zone of the nearest tz database city (great-circle distance)."""
    lat1, lon1 = math.radians(latitude), math.radians(longitude)

    def distance(row: tuple[float, float, str]) -> float:
        lat2, lon2 = math.radians(row[0]), math.radians(row[1])
        return math.acos(
            min(
                1.0,
                math.sin(lat1) * math.sin(lat2)
                + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1),
            )
        )

    return min(_coordinates(), key=distance)[2]


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
