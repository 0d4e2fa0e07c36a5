"""The retro's rows: every move of the state machine is one short transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.skills.retro.models import (
    DONE,
    OPEN,
    PAUSED,
    RetroAnswerRow,
    RetroRow,
    RetroWordRow,
)
from concierge.skills.retro.ports import Cleaned
from concierge.skills.retro.search import like_pattern, words_of
from concierge.storage.db import Database


@dataclass(frozen=True, slots=True)
class Answer:
    step: str
    raw: str
    cleaned: str
    cleaner: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class Retro:
    id: int
    user_id: int
    day: date
    status: str
    step: int
    seq: int
    mood: int | None
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status == DONE


@dataclass(frozen=True, slots=True)
class Found:
    day: date
    retro_id: int
    answer: Answer


def _answer(row: RetroAnswerRow) -> Answer:
    return Answer(
        row.step, row.raw, row.cleaned, row.cleaner, row.tokens_in, row.tokens_out, row.cost_usd
    )


class RetroStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _load(self, s: AsyncSession, row: RetroRow | None) -> Retro | None:
        if row is None:
            return None
        answers = (
            await s.scalars(select(RetroAnswerRow).where(RetroAnswerRow.retro_id == row.id))
        ).all()
        return Retro(
            row.id,
            row.user_id,
            date.fromisoformat(row.local_date),
            row.status,
            row.step,
            row.seq,
            row.mood,
            {a.step: _answer(a) for a in answers},
        )

    async def get(self, retro_id: int) -> Retro | None:
        async with self._db.session() as s:
            return await self._load(s, await s.get(RetroRow, retro_id))

    async def on(self, user_id: int, day: date) -> Retro | None:
        async with self._db.session() as s:
            row = await s.scalar(
                select(RetroRow).where(
                    RetroRow.user_id == user_id, RetroRow.local_date == day.isoformat()
                )
            )
            return await self._load(s, row)

    async def open(self, user_id: int, day: date, now: datetime, *, restart: bool) -> Retro:
        """Today's retro, created at step 0 or (``restart``: done, being edited) reopened."""
        for _attempt in range(2):
            try:
                async with self._db.session() as s:
                    row = await s.scalar(
                        select(RetroRow).where(
                            RetroRow.user_id == user_id, RetroRow.local_date == day.isoformat()
                        )
                    )
                    if row is None:
                        row = RetroRow(
                            user_id=user_id, local_date=day.isoformat(), status=OPEN, step=0,
                            seq=0, started_at=now, touched_at=now,
                        )  # fmt: skip
                        s.add(row)
                    elif restart or row.status != OPEN:
                        row.status, row.seq, row.touched_at = OPEN, row.seq + 1, now
                        if restart:
                            row.step = 0
                    await s.flush()
                    found = await self._load(s, row)
                    assert found is not None
                    return found
            except IntegrityError:
                continue  # the same user's other replica made it a moment ago
        raise RuntimeError(f"could not open the retro of user {user_id} on {day}")

    async def save_answer(
        self,
        retro: Retro,
        step: str,
        raw: str,
        cleaned: Cleaned,
        now: datetime,
        *,
        mood: int | None,
    ) -> None:
        async with self._db.session() as s:
            row = await s.scalar(
                select(RetroAnswerRow).where(
                    RetroAnswerRow.retro_id == retro.id, RetroAnswerRow.step == step
                )
            )
            if row is None:
                row = RetroAnswerRow(retro_id=retro.id, user_id=retro.user_id, step=step)
                s.add(row)
            row.raw, row.cleaned, row.cleaner = raw, cleaned.text, cleaned.cleaner
            row.tokens_in, row.tokens_out = cleaned.tokens_in, cleaned.tokens_out
            row.cost_usd, row.updated_at = cleaned.cost_usd, now
            await s.flush()
            await s.execute(delete(RetroWordRow).where(RetroWordRow.answer_id == row.id))
            for word in sorted(words_of(raw, cleaned.text)):
                s.add(RetroWordRow(answer_id=row.id, word=word, user_id=retro.user_id))
            if mood is not None:
                await s.execute(update(RetroRow).where(RetroRow.id == retro.id).values(mood=mood))

    async def move(self, retro: Retro, step: int, now: datetime, status: str = OPEN) -> Retro:
        """Go to ``step`` (or finish); ``seq`` grows so a pending expiry sees the activity."""
        values: dict[str, object] = {"step": step, "status": status, "touched_at": now}
        values["seq"] = RetroRow.seq + 1
        if status == DONE:
            values["finished_at"] = now
        async with self._db.session() as s:
            await s.execute(update(RetroRow).where(RetroRow.id == retro.id).values(**values))
            found = await self._load(s, await s.get(RetroRow, retro.id))
        assert found is not None
        return found

    async def pause_if_idle(self, retro_id: int, seq: int) -> Retro | None:
        """Pause an open retro nobody touched since ``seq``; the paused retro, else None."""
        async with self._db.session() as s:
            result = await s.execute(
                update(RetroRow)
                .where(RetroRow.id == retro_id, RetroRow.seq == seq, RetroRow.status == OPEN)
                .values(status=PAUSED)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            return await self._load(s, await s.get(RetroRow, retro_id))

    # --- history -----------------------------------------------------------------

    async def between(self, user_id: int, first: date | None, last: date | None) -> list[Retro]:
        """The user's retros with an answer or a finish, oldest first."""
        query = select(RetroRow).where(RetroRow.user_id == user_id)
        if first is not None:
            query = query.where(RetroRow.local_date >= first.isoformat())
        if last is not None:
            query = query.where(RetroRow.local_date <= last.isoformat())
        async with self._db.session() as s:
            rows = (await s.scalars(query.order_by(RetroRow.local_date))).all()
            loaded = [await self._load(s, row) for row in rows]
        return [r for r in loaded if r is not None and (r.answers or r.done)]

    async def months(self, user_id: int) -> list[str]:
        """ "YYYY-MM" of every month holding a retro, newest first."""
        month = func.substr(RetroRow.local_date, 1, 7)
        async with self._db.session() as s:
            rows = await s.scalars(
                select(month)
                .where(RetroRow.user_id == user_id)
                .group_by(month)
                .order_by(month.desc())
            )
            return [str(m) for m in rows]

    async def search(self, user_id: int, prefixes: list[str], limit: int) -> list[Found]:
        """Answers holding a word starting with each prefix, newest first."""
        if not prefixes:
            return []
        matching: set[int] | None = None
        async with self._db.session() as s:
            for prefix in prefixes:
                ids = set(
                    await s.scalars(
                        select(RetroWordRow.answer_id).where(
                            RetroWordRow.user_id == user_id,
                            RetroWordRow.word.like(like_pattern(prefix), escape="\\"),
                        )
                    )
                )
                matching = ids if matching is None else matching & ids
            if not matching:
                return []
            rows = (
                await s.execute(
                    select(RetroAnswerRow, RetroRow.local_date)
                    .join(RetroRow, RetroRow.id == RetroAnswerRow.retro_id)
                    .where(RetroAnswerRow.id.in_(matching))
                    .order_by(RetroRow.local_date.desc(), RetroAnswerRow.id)
                    .limit(limit)
                )
            ).all()
        return [Found(date.fromisoformat(day), a.retro_id, _answer(a)) for a, day in rows]

    async def delete(self, user_id: int, retro_id: int | None) -> int:
        """Remove one retro of the user's (or all of them) with answers and words."""
        async with self._db.session() as s:
            query = select(RetroRow.id).where(RetroRow.user_id == user_id)
            if retro_id is not None:
                query = query.where(RetroRow.id == retro_id)
            ids = list(await s.scalars(query))
            if not ids:
                return 0
            answers = select(RetroAnswerRow.id).where(RetroAnswerRow.retro_id.in_(ids))
            await s.execute(delete(RetroWordRow).where(RetroWordRow.answer_id.in_(answers)))
            await s.execute(delete(RetroAnswerRow).where(RetroAnswerRow.retro_id.in_(ids)))
            await s.execute(delete(RetroRow).where(RetroRow.id.in_(ids)))
            return len(ids)

    async def done_days(self, user_id: int, since: date) -> list[date]:
        async with self._db.session() as s:
            rows = await s.scalars(
                select(RetroRow.local_date).where(
                    RetroRow.user_id == user_id,
                    RetroRow.status == DONE,
                    RetroRow.local_date >= since.isoformat(),
                )
            )
            return sorted(date.fromisoformat(d) for d in rows)
