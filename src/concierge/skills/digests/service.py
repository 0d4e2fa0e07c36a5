"""Builds a user's digest once per (kind, local date) and keeps it.

Gather (shared requests, cached) → filter by taste → rank (*Less like this* lowers) →
summary by the model, or the ranked list offline → stored under its key. A rebuild for
the same key returns the stored digest, so a rerun sends exactly what the first run built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import structlog

from concierge.core.clock import Clock
from concierge.core.i18n import resolve_language
from concierge.core.scheduler import Scheduler
from concierge.skills.digests.gather import Gatherer
from concierge.skills.digests.items import SIZES
from concierge.skills.digests.ports import DigestWriter
from concierge.skills.digests.rank import rank
from concierge.skills.digests.render import plain_line
from concierge.skills.digests.store import Digest, DigestStore
from concierge.skills.digests.taste import read_taste
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.movies.lists import TitleLists
from concierge.storage.repos import UserRecord

log = structlog.get_logger(__name__)

WINDOWS = {"daily": timedelta(days=1), "now": timedelta(days=1), "weekly": timedelta(days=7)}
NOT_AGAIN = timedelta(days=30)  # an item a scheduled digest showed is not shown again


@dataclass(frozen=True, slots=True)
class Language:
    default: str

    def of(self, user: UserRecord) -> str:
        return resolve_language(user.language, user.platform_language, self.default)


class DigestService:
    def __init__(
        self,
        store: DigestStore,
        gatherer: Gatherer,
        writer: DigestWriter | None,
        profiles: ProfileStore,
        lists: TitleLists,
        scheduler: Scheduler,
        clock: Clock,
        language: Language,
    ) -> None:
        self.store = store
        self._gatherer = gatherer
        self._writer = writer
        self._profiles = profiles
        self._lists = lists
        self._scheduler = scheduler
        self._clock = clock
        self.language = language

    async def zone(self, user_id: int) -> ZoneInfo:
        return ZoneInfo(await self._scheduler.zone_of(user_id))

    async def today(self, user_id: int) -> date:
        return self._clock.now().astimezone(await self.zone(user_id)).date()

    async def digest(
        self, user: UserRecord, kind: str, day: date, *, fresh: bool = False
    ) -> Digest:
        """The stored digest for (user, kind, day), built now when there is none
        (``fresh``: built again, replacing it — ``/digest now``)."""
        if not fresh:
            stored = await self.store.get(user.id, kind, day.isoformat())
            if stored is not None:
                return stored
        lang = self.language.of(user)
        now = self._clock.now()
        taste = await read_taste(
            user.id, self._profiles, self._lists, await self.store.lowered(user.id)
        )
        found = await self._gatherer.candidates(user.id, taste, lang, day, now - WINDOWS[kind])
        shown = await self.store.shown_since(user.id, now - NOT_AGAIN) if kind != "now" else set()
        picked = rank(found.items, taste, shown, SIZES[kind])
        written = None
        if self._writer is not None and picked:
            written = await self._writer.write(
                [plain_line(i) for i in picked], lang=lang, weekly=kind == "weekly"
            )
        digest = await self.store.keep(
            user.id,
            kind,
            day.isoformat(),
            picked,
            written.text if written else None,
            written.made_by if written else "list",
            found.problems,
            replace=fresh,
        )
        log.info(
            "digest_built",
            user_id=user.id,
            kind=kind,
            day=day.isoformat(),
            items=len(digest.items),
            made_by=digest.made_by,
            problems=digest.problems,
        )
        return digest
