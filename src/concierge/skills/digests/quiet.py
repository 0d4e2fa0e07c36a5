"""Quiet hours: a local window ("23-08") in which the bot does not push a digest.

A digest due inside the window (its own hour falls there, or a catch-up after downtime
does) waits until the window ends, in the user's zone, across midnight and DST.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_WINDOW = re.compile(r"([01]?\d|2[0-3])(?::00)?\s*[-–—]\s*([01]?\d|2[0-3])(?::00)?")


def parse_window(text: str) -> tuple[int, int] | None:
    """``"23-08"`` → (23, 8); None when it is not two hours or both are the same."""
    match = _WINDOW.fullmatch(text.strip())
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return None if start == end else (start, end)


def inside(window: tuple[int, int], local_hour: int) -> bool:
    start, end = window
    if start < end:
        return start <= local_hour < end
    return local_hour >= start or local_hour < end  # across midnight


def quiet_until(window: tuple[int, int] | None, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When the window around ``now`` ends (UTC-aware), or None when ``now`` is not quiet."""
    if window is None:
        return None
    local = now.astimezone(zone)
    if not inside(window, local.hour):
        return None
    end = local.replace(hour=window[1], minute=0, second=0, microsecond=0)
    if end <= local:
        end = (local + timedelta(days=1)).replace(hour=window[1], minute=0, second=0, microsecond=0)
    # re-read the wall time in the zone: a DST change overnight moves the instant
    return datetime(end.year, end.month, end.day, end.hour, tzinfo=zone)
