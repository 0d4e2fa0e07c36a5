"""SIGTERM while 100 strangers' prompts are queued: the bot exits promptly, loses none.

The real bot (`concierge serve`, a subprocess) takes a burst of 100 strangers through
the fake Bot API. Approval prompts are jobs, so nothing waits on Telegram's pacing at
shutdown; after a restart the owner gets the prompts of the hour (ten), and at the hour's
end (the test moves the queued summary's due time to now, as if the hour had passed while
the bot was down) one summary for the other ninety.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import select, update

from concierge.serve import DRAIN_SECONDS
from concierge.storage.db import Database
from concierge.storage.models import JobRow
from tests.support.bot_process import bot_process, until
from tests.support.fake_telegram import FakeTelegram

OWNER = 1
STRANGERS = 100


def _bot(tmp_path: Path, fake: FakeTelegram, run: str) -> subprocess.Popen[bytes]:
    return bot_process(tmp_path, fake, f"bot-{run}", owner=OWNER)


async def test_sigterm_with_a_hundred_queued_prompts_exits_in_time_and_loses_none(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    fake = FakeTelegram().start()
    try:

        def prompts() -> list[str]:
            return [t for t in fake.sent_texts(OWNER) if "wants to use the bot" in t]

        first = _bot(tmp_path, fake, "1")
        try:
            fake.push(fake.text_update(OWNER, "/start"))
            await until("the bot to answer its owner", 60, lambda: fake.sent_texts(OWNER))
            fake.push_many(
                [fake.text_update(1000 + n, "hello", name=f"G{n}") for n in range(STRANGERS)]
            )
            await until("the burst to be under way", 30, lambda: len(fake.sent_texts()) >= 20)
        finally:
            first.send_signal(signal.SIGTERM)
            stopping = time.monotonic()
            first.wait(DRAIN_SECONDS + 30)
            took = time.monotonic() - stopping
        sent_before = len(prompts())
        summaries = await _summary_jobs_due_now(tmp_path)

        def summary() -> list[str]:
            return [t for t in fake.sent_texts(OWNER) if "more people asked" in t]

        second = _bot(tmp_path, fake, "2")
        try:
            await until("the hour's ten prompts", 60, lambda: len(prompts()) >= 10)
            await until("the summary", 60, lambda: summary())
            await asyncio.sleep(1)  # anything beyond ten prompts and one summary would come now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(DRAIN_SECONDS + 30)
        print(
            f"\nexit after SIGTERM {took:.1f} s (limit {DRAIN_SECONDS + 2:g}); prompts before "
            f"stop {sent_before}, after restart {len(prompts())}; summary jobs {summaries}; "
            f"summaries received {summary()}"
        )
        assert first.returncode == 0 and took < DRAIN_SECONDS + 2
        assert len(prompts()) == 10
        assert summaries == ["queued"]
        assert summary() == [f"{STRANGERS - 10} more people asked to join in the last hour."]
    finally:
        fake.stop()


async def _summary_jobs_due_now(tmp_path: Path) -> list[str]:
    """The queued summaries' states, after making them due now (the hour has passed)."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'concierge.db'}")
    try:
        async with db.session() as s:
            kind = JobRow.kind == "access.summary"
            states = list(await s.scalars(select(JobRow.state).where(kind)))
            await s.execute(update(JobRow).where(kind).values(run_at=JobRow.created_at))
            await s.commit()
        return states
    finally:
        await db.close()
