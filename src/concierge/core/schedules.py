"""Schedules: when a job kind is enqueued by time rather than by a user.

A skill declares ``Schedule`` s (interval or cron, in a fixed zone); per-user ones
("21:30 in this user's time zone") are rows kept by a ``UserScheduleStore``. Each tick
is claimed once in a ``TickLedger`` shared by every process, so any number of
replicas enqueue it exactly once; a tick missed while nothing ran is run once on the
next start when it is still within the schedule's ``catch_up`` window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ScheduleError(ValueError):
    """A cron expression or zone that cannot be used."""


@dataclass(frozen=True, slots=True)
class Every:
    """Ticks on a grid aligned to the epoch, so every process computes the same ticks."""

    interval: timedelta

    def latest(self, now: datetime) -> datetime:
        step = self.interval.total_seconds()
        slots = int((now - _EPOCH).total_seconds() // step)
        return _EPOCH + timedelta(seconds=slots * step)

    def following(self, moment: datetime) -> datetime:
        return self.latest(moment) + self.interval


@dataclass(frozen=True, slots=True)
class Cron:
    """A five-field cron expression read as wall-clock time in ``zone`` (DST-aware)."""

    expr: str
    zone: str = "UTC"

    def __post_init__(self) -> None:
        validate_cron(self.expr)
        zone_info(self.zone)

    def latest(self, now: datetime) -> datetime:
        local = (now + timedelta(seconds=1)).astimezone(zone_info(self.zone))
        return next(CronSim(self.expr, local, reverse=True)).astimezone(UTC)

    def following(self, moment: datetime) -> datetime:
        local = moment.astimezone(zone_info(self.zone))
        return next(CronSim(self.expr, local)).astimezone(UTC)


Trigger = Every | Cron


@dataclass(frozen=True, slots=True)
class Schedule:
    """Enqueue job ``kind`` with ``payload`` at every tick of ``trigger``.

    ``catch_up``: how old a missed tick may be and still run once after downtime
    (None: however old). ``dedupe_key``: a key shared by all ticks, so a tick while the
    previous job still waits adds nothing (a poll); by default each tick is its own job.
    """

    name: str
    kind: str
    trigger: Trigger
    payload: dict[str, Any] = field(default_factory=dict)
    catch_up: timedelta | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class UserSchedule:
    """A user's own schedule: ``cron`` is read in that user's time zone."""

    id: int
    user_id: int
    name: str
    kind: str
    cron: str
    payload: dict[str, Any]
    next_at: datetime


class TickLedger(Protocol):
    """Who enqueued which tick, shared by every process (a unique row per tick)."""

    async def claim(self, schedule: str, tick: datetime) -> bool:
        """True for exactly one caller per (schedule, tick)."""
        ...

    async def enqueued(self, schedule: str, tick: datetime, job_id: int) -> None: ...

    async def unfinished(self, older_than: datetime) -> list[tuple[str, datetime]]:
        """Ticks claimed by a process that died before enqueueing them."""
        ...

    async def prune(self, before: datetime) -> int: ...


class UserScheduleStore(Protocol):
    async def put(
        self,
        user_id: int,
        name: str,
        kind: str,
        cron: str,
        payload: dict[str, Any],
        next_at: datetime,
    ) -> UserSchedule: ...

    async def remove(self, user_id: int, name: str) -> bool: ...

    async def get(self, schedule_id: int) -> UserSchedule | None: ...

    async def for_user(self, user_id: int) -> list[UserSchedule]: ...

    async def due(self, now: datetime, limit: int) -> list[UserSchedule]: ...

    async def advance(self, schedule_id: int, seen: datetime, next_at: datetime) -> None:
        """Move ``next_at`` on, unless another process already did (``seen`` is stale)."""
        ...


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ScheduleError(f"unknown time zone {name!r}") from exc


def validate_cron(expr: str) -> None:
    try:
        CronSim(expr, datetime(2026, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        raise ScheduleError(f"bad cron expression {expr!r}: {exc}") from exc


def tick_key(schedule: str, tick: datetime) -> str:
    """The job dedupe key of one tick: the same in every process."""
    return f"schedule:{schedule}:{tick.astimezone(UTC).isoformat(timespec='seconds')}"
