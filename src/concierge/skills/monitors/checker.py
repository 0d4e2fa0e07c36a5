"""The monitor jobs: a tick finds due titles, one check per title searches once.

``monitors.tick`` (a fixed schedule) enqueues one ``monitors.check`` per due
(title, quality) group, deduplicated by the group and its due time and spread over
a few seconds each, so many users' monitors of one title cost one search, and many
titles don't hit the sources at once. A check ranks the shared results for each
user with their own preferences, writes each match under its unique key, then
queues one ``monitors.push`` per match (deduplicated by the match).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import BaseModel

from concierge.adapters.errors import ExternalServiceError
from concierge.core.clock import Clock
from concierge.core.jobs import JobContext, JobKind, Jobs, Retry
from concierge.skills.monitors.context import UserContexts
from concierge.skills.monitors.matching import keep
from concierge.skills.monitors.models import MOVIE_TARGET, MonitorRow, episode_code
from concierge.skills.monitors.store import Group, MonitorStore
from concierge.skills.monitors.timing import (
    RETRY,
    aired,
    film_interval,
    jittered,
    series_next,
)
from concierge.skills.movies.commands import PreferencesFor
from concierge.skills.movies.domain import MediaKind, Title, TorrentQuery
from concierge.skills.movies.ranking import RankedTorrent, pick_three
from concierge.skills.movies.search import FanOutResult, dedupe_key
from concierge.skills.movies.service import MoviesService
from concierge.skills.movies.store import torrent_to_dict
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

TICK_KIND = "monitors.tick"
CHECK_KIND = "monitors.check"
PUSH_KIND = "monitors.push"
SPREAD = timedelta(seconds=3)  # between two titles' checks queued by one tick
MAX_SPREAD = timedelta(minutes=4)


class TickPayload(BaseModel):
    """The tick looks at every due monitor."""


class CheckPayload(BaseModel):
    kind: str
    tmdb_id: int
    quality: int


class PushPayload(BaseModel):
    match_id: int


@dataclass(frozen=True, slots=True)
class Found:
    monitor: MonitorRow
    picks: list[tuple[str, RankedTorrent]]
    pack: bool = False


class Checker:
    def __init__(
        self,
        *,
        store: MonitorStore,
        movies: MoviesService,
        users: UserRepo,
        contexts: UserContexts,
        preferences: PreferencesFor,
        jobs: Jobs,
        clock: Clock,
    ) -> None:
        self._store = store
        self._movies = movies
        self._users = users
        self._contexts = contexts
        self._preferences = preferences
        self._jobs = jobs
        self._clock = clock
        self.searches = 0  # fan-out searches this process ran (for figures and tests)

    def job_kinds(self) -> list[JobKind[Any]]:
        return [
            JobKind(TICK_KIND, TickPayload, self._tick, retry=Retry(max_attempts=3)),
            # two titles searched at once at most (all workers): the sources' budget
            JobKind(CHECK_KIND, CheckPayload, self._check, retry=Retry(max_attempts=4),
                    concurrency=2, timeout=300.0),
        ]  # fmt: skip

    # --- the tick ---------------------------------------------------------------------

    async def _tick(self, _ctx: JobContext, _payload: TickPayload) -> None:
        await self.tick()

    async def tick(self) -> int:
        """Queue a check for every due group; returns how many were queued."""
        now = self._clock.now()
        groups = await self._store.due_groups(now)
        for number, group in enumerate(groups):
            await self._jobs.enqueue(
                CHECK_KIND,
                CheckPayload(kind=group.kind, tmdb_id=group.tmdb_id, quality=group.quality),
                dedupe_key=f"{CHECK_KIND}:{group.key}:{group.due_at.isoformat()}",
                run_at=now + min(SPREAD * number, MAX_SPREAD),
            )
        return len(groups)

    # --- one title's check --------------------------------------------------------------

    async def _check(self, _ctx: JobContext, payload: CheckPayload) -> None:
        await self.check(Group(payload.kind, payload.tmdb_id, payload.quality, self._clock.now()))

    async def check(self, group: Group) -> None:
        monitors = await self._store.group(group.kind, group.tmdb_id, group.quality)
        if not monitors:
            return
        now = self._clock.now()
        kind: MediaKind = "tv" if group.kind == "tv" else "movie"
        try:
            title = await self._movies.title(kind, group.tmdb_id, lang="en")
        except (ExternalServiceError, LookupError) as exc:
            log.warning("monitor_metadata_failed", group=group.key, reason=str(exc))
            await self._store.advance([m.id for m in monitors], now + RETRY, now)
            return
        if kind == "movie":
            await self._check_film(group, title, monitors, now)
        else:
            await self._check_series(group, title, monitors, now)

    def _query(self, title: Title, **more: Any) -> TorrentQuery:
        return TorrentQuery(
            title=title.title, original_title=title.original_title, year=title.year,
            kind=title.kind, imdb_id=title.imdb_id, tmdb_id=title.tmdb_id, **more,
        )  # fmt: skip

    async def _search(self, query: TorrentQuery, group: Group) -> FanOutResult:
        self.searches += 1
        fanned = await self._movies.fanout.search(query)
        if not fanned.answered:
            log.warning(
                "monitor_sources_silent",
                group=group.key,
                failures=[f"{f.source}:{f.reason}" for f in fanned.failures],
            )
        return fanned

    async def _check_film(
        self, group: Group, title: Title, monitors: list[MonitorRow], now: datetime
    ) -> None:
        query = self._query(title)
        fanned = await self._search(query, group)
        found = await self._rank(fanned, query, title, monitors, group.quality)
        for item in found:
            await self._record(item, title, MOVIE_TARGET, now)
            await self._store.found(item.monitor.id)
        waiting = [m.id for m in monitors if m.id not in {f.monitor.id for f in found}]
        interval = jittered(film_interval(title, now.date()), group.key)
        await self._store.advance(waiting, now + interval, now)
        log.info("monitor_checked", group=group.key, found=len(found), waiting=len(waiting))

    async def _check_series(
        self, group: Group, title: Title, monitors: list[MonitorRow], now: datetime
    ) -> None:
        today = now.date()
        episodes = [e for e in (title.last_episode, title.next_episode) if e is not None]
        out = [e for e in episodes if aired(e.air_date, today)]
        newest = max(out, key=lambda e: (e.season, e.episode), default=None)
        waiting: list[MonitorRow] = []
        if newest is not None:
            code = newest.season * 1000 + newest.episode
            waiting = [m for m in monitors if m.last_seen < code and newest.season >= m.season_from]
        if newest is not None and waiting:
            query = self._query(title, season=newest.season, episode=newest.episode)
            fanned = await self._search(query, group)
            found = await self._rank(
                fanned, query, title, waiting, group.quality, episode=newest.episode
            )
            missing = [m for m in waiting if m.id not in {f.monitor.id for f in found}]
            if missing:  # no SxxEyy release for some: the season pack may carry it
                query = self._query(title, season=newest.season)
                fanned = await self._search(query, group)
                found += await self._rank(fanned, query, title, missing, group.quality, pack=True)
            for item in found:
                await self._record(item, title, episode_code(code), now)
                await self._store.seen(item.monitor.id, code)
            waiting = [m for m in waiting if m.id not in {f.monitor.id for f in found}]
        interval = series_next(title, now, waiting=bool(waiting))
        await self._store.advance(
            [m.id for m in monitors], now + jittered(interval, group.key), now
        )
        log.info("monitor_checked", group=group.key, waiting=len(waiting))

    async def _rank(
        self,
        fanned: FanOutResult,
        query: TorrentQuery,
        title: Title,
        monitors: list[MonitorRow],
        quality: int,
        *,
        episode: int | None = None,
        pack: bool = False,
    ) -> list[Found]:
        """Each user's picks among the shared results, with their preferences; the picks'
        magnets are fetched once each, however many users they serve."""
        found: list[Found] = []
        resolved: dict[str, RankedTorrent] = {}
        for monitor in monitors:
            user = await self._users.get(monitor.user_id)
            if user is None:
                continue
            ctx, _ = self._contexts.for_user(user)
            mine = replace(query, user_id=user.id)
            outcome = await self._movies.outcome(
                fanned, mine, await self._preferences(ctx), quality=quality or None,
                fallback=False, magnets=False,
            )  # fmt: skip
            ranked = keep(outcome.ranked, title, season=query.season, episode=episode, pack=pack)
            picks: list[tuple[str, RankedTorrent]] = []
            for role, item in pick_three(ranked).present():
                key = dedupe_key(item.result)
                if key not in resolved:
                    resolved[key] = await self._movies.with_magnet(item, user.id)
                picks.append((role, resolved[key]))
            if picks:
                found.append(Found(monitor, picks, pack))
        return found

    async def _record(self, item: Found, title: Title, target: str, now: datetime) -> None:
        best = item.picks[0][1].result
        match = await self._store.record_match(
            item.monitor,
            target,
            release_key=dedupe_key(best),
            release_name=best.name,
            details={
                "poster_url": title.poster_url,
                "episode": target if target != MOVIE_TARGET else None,
                "pack": item.pack,
                "picks": [{"role": r, "result": torrent_to_dict(p.result)} for r, p in item.picks],
            },
            now=now,
        )
        await self._jobs.enqueue(
            PUSH_KIND,
            PushPayload(match_id=match.id),
            dedupe_key=f"{PUSH_KIND}:{match.id}",
            user_id=item.monitor.user_id,
        )
        log.info("monitor_matched", monitor=item.monitor.id, target=target, release=best.name[:80])
