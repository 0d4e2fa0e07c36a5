"""When a monitor looks next: the seed's "smart intervals", plus jitter per title.

A film checks every 2 h in the first days after its digital release (when torrents
appear), daily while that release is near or already passed, every 3 days while it
is far. A series checks as soon as its next episode has aired, every 2 h until the
episode is found, then waits for the next air date. The jitter is a fixed share of
the interval derived from the title, so all monitors of one title stay together
(one search serves them all) while different titles spread over time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from concierge.skills.movies.domain import Title

FRESH = timedelta(hours=2)  # the first days after a (digital) release, or an aired episode
NEAR = timedelta(days=1)
FAR = timedelta(days=3)
FRESH_DAYS = 7  # "the first days"
NEAR_DAYS = 30
JITTER = 0.1  # up to this share of the interval is added
RETRY = timedelta(hours=1)  # metadata unavailable: look again soon
AIR_DELAY = timedelta(hours=6)  # torrents of an episode appear hours after it airs


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def film_interval(title: Title, today: date) -> timedelta:
    digital = parse_day(title.digital_release)
    if digital is not None and 0 <= (today - digital).days <= FRESH_DAYS:
        return FRESH
    anchor = digital or parse_day(title.release_date)
    if anchor is None or (anchor - today).days > NEAR_DAYS:
        return FAR
    return NEAR


def aired(day: str | None, today: date) -> bool:
    found = parse_day(day)
    return found is not None and found <= today


def series_next(title: Title, now: datetime, *, waiting: bool) -> timedelta:
    """``waiting``: an aired episode some follower has not got yet."""
    today = now.date()
    if waiting:
        last = parse_day(title.last_episode.air_date if title.last_episode else None)
        recent = last is not None and (today - last).days <= FRESH_DAYS
        return FRESH if recent else NEAR
    upcoming = parse_day(title.next_episode.air_date if title.next_episode else None)
    if upcoming is None:
        return FAR
    airs = datetime.combine(upcoming, time(), tzinfo=UTC) + AIR_DELAY
    return min(max(airs - now, FRESH), FAR)  # dates move: ask TMDB again within 3 days


def jittered(interval: timedelta, group: str) -> timedelta:
    """``interval`` plus this title's fixed share of ``JITTER``."""
    digest = hashlib.sha256(group.encode()).digest()
    share = int.from_bytes(digest[:4], "big") / 2**32
    return interval + interval * (JITTER * share)
