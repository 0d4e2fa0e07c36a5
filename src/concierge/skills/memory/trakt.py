"""Trakt: connect with the device code, keep the token fresh, sync lists both ways.

Tokens live encrypted in the credential store (``trakt.token``); a token within
``REFRESH_BEFORE`` of expiry is refreshed before it is used. A sync pulls the
history, watchlist and ratings and applies them where the local entry did not
come from a change made here (Trakt wins those conflicts), then pushes what the
user did here that Trakt lacks. Comparing before pushing keeps a repeated sync
from adding the same play twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog
from sqlalchemy import select

from concierge.core.clock import Clock
from concierge.skills.memory.ports import TraktMovie, TraktService, TraktToken
from concierge.skills.movies.lists import ListEntry, TitleLists
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.models import CredentialRow

log = structlog.get_logger(__name__)

TOKEN = "trakt.token"  # noqa: S105 — the credential's name, not its value
DEVICE = "trakt.device"
REFRESH_BEFORE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class SyncReport:
    pulled: int = 0
    pushed: int = 0


def _entry(movie: TraktMovie, **changes: object) -> ListEntry:
    base = ListEntry(f"movie:{movie.tmdb_id}", movie.title, movie.year, source="trakt")
    return replace(base, **changes)  # type: ignore[arg-type]


def _movie(entry: ListEntry) -> TraktMovie:
    return TraktMovie(entry.title, entry.year, entry.tmdb_id, entry.rating, entry.watched_on)


class TraktLink:
    def __init__(
        self,
        api: TraktService,
        credentials: CredentialStore,
        lists: TitleLists,
        db: Database,
        clock: Clock,
    ) -> None:
        self.api = api
        self._credentials = credentials
        self._lists = lists
        self._db = db
        self._clock = clock

    async def connected(self, user_id: int) -> bool:
        return await self._credentials.get(user_id, TOKEN) is not None

    async def start(self, user_id: int) -> tuple[str, str]:
        """A fresh device code: (where to go, the code to type)."""
        code = await self.api.device_code()
        expires = self._clock.now().timestamp() + code.expires_in
        await self._credentials.put(
            user_id, DEVICE, json.dumps({"code": code.device_code, "expires": expires})
        )
        return code.verification_url, code.user_code

    async def finish(self, user_id: int) -> str:
        """ "connected", "pending", or why not ("expired", "denied", "none"…)."""
        raw = await self._credentials.get(user_id, DEVICE)
        if raw is None:
            return "none"
        pending = json.loads(raw)
        if pending["expires"] < self._clock.now().timestamp():
            await self._credentials.delete(user_id, DEVICE)
            return "expired"
        outcome = await self.api.device_token(str(pending["code"]))
        if isinstance(outcome, str):
            if outcome != "pending":
                await self._credentials.delete(user_id, DEVICE)
            return outcome
        await self._store(user_id, outcome)
        await self._credentials.delete(user_id, DEVICE)
        log.info("trakt_connected", user_id=user_id)
        return "connected"

    async def disconnect(self, user_id: int) -> None:
        token = await self._token(user_id, refresh=False)
        if token is not None:
            await self.api.revoke(token.access_token)
        await self._credentials.delete(user_id, TOKEN)
        log.info("trakt_disconnected", user_id=user_id)

    async def _store(self, user_id: int, token: TraktToken) -> None:
        value = {
            "access": token.access_token,
            "refresh": token.refresh_token,
            "expires_at": token.expires_at,
        }
        await self._credentials.put(user_id, TOKEN, json.dumps(value))

    async def _token(self, user_id: int, *, refresh: bool = True) -> TraktToken | None:
        raw = await self._credentials.get(user_id, TOKEN)
        if raw is None:
            return None
        stored = json.loads(raw)
        token = TraktToken(stored["access"], stored["refresh"], int(stored["expires_at"]))
        due = self._clock.now().timestamp() + REFRESH_BEFORE.total_seconds()
        if refresh and token.expires_at <= due:
            token = await self.api.refresh(token.refresh_token)
            await self._store(user_id, token)
            log.info("trakt_token_refreshed", user_id=user_id, expires_at=token.expires_at)
        return token

    async def users(self) -> list[int]:
        async with self._db.session() as s:
            found = await s.scalars(
                select(CredentialRow.user_id).where(CredentialRow.name == TOKEN)
            )
            return sorted(set(found))

    async def sync(self, user_id: int) -> SyncReport:
        token = await self._token(user_id)
        if token is None:
            return SyncReport()
        access = token.access_token
        history = {m.tmdb_id: m for m in await self.api.history(access) if m.tmdb_id}
        rated = {m.tmdb_id: m for m in await self.api.ratings(access) if m.tmdb_id}
        listed = {m.tmdb_id: m for m in await self.api.watchlist(access) if m.tmdb_id}
        local = await self._lists.entries(user_id)
        watched = {e.key: e for e in local if e.on == "watched"}
        known = {e.key for e in local}
        pulled = 0
        for tmdb_id, movie in history.items():
            here = watched.get(f"movie:{tmdb_id}")
            rating = rated[tmdb_id].rating if tmdb_id in rated else None
            if here is not None and (here.source == "here" or here.rating == rating):
                continue  # the user's own change wins; an unchanged one needs nothing
            await self._lists.mark_watched(
                user_id, _entry(movie, rating=rating, watched_on=movie.on)
            )
            pulled += 1
        for tmdb_id, movie in listed.items():
            if f"movie:{tmdb_id}" not in known:
                await self._lists.add_to_watchlist(user_id, _entry(movie))
                pulled += 1
        mine_here = [e for e in local if e.source == "here" and e.kind == "movie" and e.tmdb_id]
        push_history = [
            _movie(e) for e in mine_here if e.on == "watched" and e.tmdb_id not in history
        ]
        push_ratings = [
            _movie(e)
            for e in mine_here
            if e.on == "watched"
            and e.rating
            and (e.tmdb_id not in rated or rated[e.tmdb_id].rating != e.rating)
        ]
        push_list = [
            _movie(e) for e in mine_here if e.on == "watchlist" and e.tmdb_id not in listed
        ]
        if push_history or push_ratings or push_list:
            await self.api.push(
                access, history=push_history, watchlist=push_list, ratings=push_ratings
            )
        pushed = len(push_history) + len(push_ratings) + len(push_list)
        log.info("trakt_synced", user_id=user_id, pulled=pulled, pushed=pushed)
        return SyncReport(pulled, pushed)
