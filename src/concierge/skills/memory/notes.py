"""Notes: things worth remembering that need not sit in every prompt, found by their words.

Search is one repository method over a term table (each note's casefolded words),
the same SQL on SQLite and Postgres. A query word matches a stored word that
starts with its stem (the word minus a two-letter ending, at least three letters
kept), so "Дюну" finds a note about «Дюна» and "dunes" one about "Dune". Notes
are ranked by how many query words they contain, newest first among equals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select

from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.skills.memory.models import NoteRow, NoteTermRow
from concierge.storage.db import Database

MAX_NOTE_CHARS = 2000
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    text: str
    created_at: datetime


def terms(text: str) -> set[str]:
    return {w[:64] for w in _WORD.findall(text.casefold()) if len(w) >= 2}


def stem(word: str) -> str:
    return word if len(word) < 4 else word[: max(3, len(word) - 2)]


class Notes:
    def __init__(self, db: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._db = db
        self._clock = clock

    async def add(self, user_id: int, text: str) -> Note:
        body = text.strip()[:MAX_NOTE_CHARS]
        async with self._db.session() as s:
            row = NoteRow(user_id=user_id, text=body, created_at=self._clock.now())
            s.add(row)
            await s.flush()
            s.add_all(NoteTermRow(note_id=row.id, term=t, user_id=user_id) for t in terms(body))
            return Note(row.id, row.text, row.created_at)

    async def search(self, user_id: int, query: str, limit: int = 5) -> list[Note]:
        stems = sorted({stem(w) for w in terms(query)})
        if not stems:
            return []
        async with self._db.session() as s:
            hits = await s.execute(
                select(NoteTermRow.note_id, NoteTermRow.term).where(
                    NoteTermRow.user_id == user_id,
                    or_(*(NoteTermRow.term.like(f"{st}%") for st in stems)),
                )
            )
            matched: dict[int, set[str]] = {}
            for note_id, term in hits.all():
                matched.setdefault(note_id, set()).update(st for st in stems if term.startswith(st))
            best = sorted(matched, key=lambda n: (-len(matched[n]), -n))[:limit]
            if not best:
                return []
            rows = {r.id: r for r in await s.scalars(select(NoteRow).where(NoteRow.id.in_(best)))}
            return [Note(n, rows[n].text, rows[n].created_at) for n in best if n in rows]

    async def recent(self, user_id: int, limit: int = 1000) -> list[Note]:
        async with self._db.session() as s:
            rows = await s.scalars(
                select(NoteRow)
                .where(NoteRow.user_id == user_id)
                .order_by(NoteRow.id.desc())
                .limit(limit)
            )
            return [Note(r.id, r.text, r.created_at) for r in rows]

    async def count(self, user_id: int) -> int:
        async with self._db.session() as s:
            return int(await s.scalar(select(func.count()).where(NoteRow.user_id == user_id)) or 0)

    async def forget(self, user_id: int) -> int:
        async with self._db.session() as s:
            await s.execute(delete(NoteTermRow).where(NoteTermRow.user_id == user_id))
            result = await s.execute(delete(NoteRow).where(NoteRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]
