"""A job's progress message is sent once and edited in place, also after a restart.

The real Telegram front-end talks to the fake Bot API; jobs run on the embedded engine
over one SQLite file. "Restart" tears down the front-end, the engine and the notifier and
builds new ones over the same database: the message's handle comes back from storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import BaseModel

from concierge.core.access import Role
from concierge.core.jobs import JobContext, JobKind, JobState
from concierge.core.messages import Text, UserRef
from concierge.core.notify import Notifier
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.repos import UserRepo
from concierge.storage.sent_notices import SentNotices
from tests.fakes.clock import FakeClock
from tests.frontends.telegram.conftest import OWNER, build_stack, running
from tests.support.fake_telegram import FakeTelegram

KEY = "grab:7:progress"


class Progress(BaseModel):
    key: str
    percent: int


def progress_kind(notifier: Notifier) -> JobKind[Progress]:
    """What a download job does as it goes: show its progress in the message it started."""

    async def report(ctx: JobContext, payload: Progress) -> None:
        await notifier.edit_sent(payload.key, Text(f"Downloading *Dune*… {payload.percent}%"))

    return JobKind("test.progress", Progress, report)


@dataclass
class Process:
    """One run of the bot: front-end, notifier and job engine over the shared database."""

    notifier: Notifier
    jobs: EmbeddedJobs

    async def step(self, percent: int) -> None:
        job = await self.jobs.enqueue("test.progress", Progress(key=KEY, percent=percent))
        await self.jobs.run_until_idle()
        info = await self.jobs.get(job)
        assert info is not None and info.state is JobState.SUCCEEDED, info


@asynccontextmanager
async def bot_process(db: Database, fake: FakeTelegram) -> AsyncIterator[Process]:
    stack = build_stack(db, agent=None)
    jobs = EmbeddedJobs(db, clock=FakeClock())
    stack.notifier.use_jobs(jobs, SentNotices(db))
    jobs.register(progress_kind(stack.notifier))
    try:
        async with running(stack.frontend(fake)):
            yield Process(stack.notifier, jobs)
    finally:
        await jobs.stop()


async def test_progress_message_is_edited_three_times_across_a_restart(
    sqlite_db: Database, fake: FakeTelegram
) -> None:
    async with bot_process(sqlite_db, fake) as first:
        owner = await UserRepo(sqlite_db).upsert(UserRef("telegram", OWNER, "Ann"), Role.OWNER)
        await first.notifier.enqueue(owner, Text("Downloading *Dune*… 0%"), key=KEY)
        await first.jobs.run_until_idle()
        await first.step(30)
        await first.step(60)

    async with bot_process(sqlite_db, fake) as second:
        # the notice's job runs again (as after a crash): its record says it went out
        await second.notifier.enqueue(owner, Text("Downloading *Dune*… 0%"), key=KEY)
        await second.jobs.run_until_idle()
        await second.step(100)

    sent = [c for c in fake.calls_to("sendMessage", chat_id=OWNER) if c.ok]
    edits = [c for c in fake.calls_to("editMessageText", chat_id=OWNER) if c.ok]
    assert len(sent) == 1, fake.summary()
    assert len(edits) == 3, fake.summary()
    message_id = sent[0].result["message_id"]
    assert {c.params["message_id"] for c in edits} == {message_id}
    assert [c.params["text"] for c in edits] == [
        "Downloading Dune… 30%",
        "Downloading Dune… 60%",
        "Downloading Dune… 100%",
    ]
    shown = fake.message(OWNER, message_id)
    assert shown["text"] == "Downloading Dune… 100%"
    assert shown["entities"] == [{"type": "italic", "offset": 12, "length": 4}]
    assert all(c.ok for c in fake.calls_to("sendMessage", "editMessageText", chat_id=OWNER))
