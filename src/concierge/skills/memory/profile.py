"""What the user told Concierge about themselves: the onboarding answers and settings.

Each answer is written the moment it is given, with the next onboarding step,
so an interrupted onboarding (a restart, a day away) resumes at that step.
``preferences_for`` turns the profile into the movies skill's ``Preferences``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete

from concierge.core.skill import Context
from concierge.skills.memory.models import ProfileRow
from concierge.skills.movies.commands import default_preferences
from concierge.skills.movies.ranking import Preferences
from concierge.storage.db import Database

QUALITIES = (720, 1080, 2160)
AUDIO = ("original", "ru", "any")
SIZES_GB = (4, 10, 25, 60)


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    onboarding: str = "new"  # new | running | done | skipped
    step: str | None = None
    quality: int | None = None
    audio: str | None = None
    genres: tuple[str, ...] = ()
    max_size_gb: int | None = None
    letterboxd: str | None = None
    learned_at: int = 0  # watched titles when the learnings were last derived

    def as_dict(self) -> dict[str, Any]:
        return {
            "onboarding": self.onboarding,
            "step": self.step,
            "quality": self.quality,
            "audio": self.audio,
            "genres": list(self.genres),
            "max_size_gb": self.max_size_gb,
            "letterboxd": self.letterboxd,
        }


def _profile(row: ProfileRow) -> Profile:
    return Profile(
        user_id=row.user_id,
        onboarding=row.onboarding,
        step=row.step,
        quality=row.quality,
        audio=row.audio,
        genres=tuple(row.genres.get("slugs") or ()),
        max_size_gb=row.max_size_gb,
        letterboxd=row.letterboxd,
        learned_at=row.learned_at or 0,
    )


class ProfileStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Profile:
        async with self._db.session() as s:
            row = await s.get(ProfileRow, user_id)
            return _profile(row) if row is not None else Profile(user_id)

    async def update(self, user_id: int, **changes: Any) -> Profile:
        """Set the given fields (``genres`` as a sequence of slugs) and return the profile."""
        async with self._db.session() as s:
            row = await s.get(ProfileRow, user_id)
            if row is None:
                row = ProfileRow(user_id=user_id, onboarding="new", genres={"slugs": []})
                s.add(row)
            for name, value in changes.items():
                if name == "genres":
                    row.genres = {"slugs": list(value)}
                else:
                    setattr(row, name, value)
            await s.flush()
            return _profile(row)

    async def forget(self, user_id: int) -> int:
        async with self._db.session() as s:
            result = await s.execute(delete(ProfileRow).where(ProfileRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def preferences_for(self, ctx: Context) -> Preferences:
        """The movies skill's ranking inputs: the user's answers over the defaults."""
        base = await default_preferences(ctx)
        profile = await self.get(ctx.user.id)
        audio = {"ru": "ru", "original": "en", "any": None}
        return replace(
            base,
            quality=profile.quality or base.quality,
            audio_language=audio.get(profile.audio or "", base.audio_language),
            max_size=profile.max_size_gb * 1024**3 if profile.max_size_gb else None,
            prefer_hdr=profile.quality == 2160,
            favourite_genres=profile.genres,
        )
