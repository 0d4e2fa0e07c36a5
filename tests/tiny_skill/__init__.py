"""A whole skill in one folder, for the test that adding a skill touches nothing else.

It brings a command (``/tiny``), a job kind (``tiny.note``, writing a row of its own
table under the job's dedupe key), an hourly schedule of that job, a migration (the
table) and catalogue entries in English and Russian.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from concierge.core.deps import CoreServices
from concierge.core.jobs import JobContext, JobKind
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Command, Context, Skill

notes = Table(
    "tiny_notes",
    MetaData(),
    Column("key", String(100), primary_key=True),
    Column("user_id", Integer, nullable=True),
)


class Note(BaseModel):
    key: str
    user_id: int | None = None


def build(core: CoreServices) -> Skill:
    async def write(_ctx: JobContext, note: Note) -> None:
        dialect_insert = sqlite_insert if core.db.is_sqlite else pg_insert
        row = dialect_insert(notes).values(key=note.key, user_id=note.user_id)
        async with core.db.session() as s:  # at-least-once: the key makes a rerun harmless
            await s.execute(row.on_conflict_do_nothing(index_elements=["key"]))

    async def tiny(ctx: Context) -> None:
        key = f"tiny:{ctx.user.id}:{ctx.inbound.message_id}"
        await core.jobs.enqueue("tiny.note", Note(key=key, user_id=ctx.user.id), dedupe_key=key)
        await ctx.reply(ctx.t("tiny.hello", name=ctx.user.display_name))

    return Skill(
        name="tiny",
        commands=[Command("tiny", "tiny.help", tiny)],
        job_kinds=[JobKind("tiny.note", Note, write)],
        schedules=[
            Schedule("tiny.hourly", "tiny.note", Every(timedelta(hours=1)), {"key": "hourly"})
        ],
        home=Path(__file__).parent,
    )
