"""A crowd of strangers: the owner gets ten prompts an hour, then one summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from concierge.core.approvals import Approvals
from concierge.core.notify import NOTIFY_SEND
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.sent_notices import SentNotices
from tests.fakes.clock import FakeClock
from tests.support.app import Person, running_app
from tests.support.outbox import RecordingOutbox


async def test_past_ten_prompts_an_hour_the_owner_gets_one_summary_listing_the_rest(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path) as app:
        clock = FakeClock(datetime.now(UTC))  # the queue's "now" starts at the real one
        jobs = EmbeddedJobs(app.db, clock=clock)
        app.notifier.use_jobs(jobs, SentNotices(app.db))
        approvals = Approvals(
            users=app.users, notifier=app.notifier, buttons=app.buttons,
            catalog=app.catalog, default_language="en", clock=clock,
        )  # fmt: skip
        app.dispatcher.approvals = approvals
        jobs.register(approvals.job_kind())
        owner_inbox = RecordingOutbox(platform="telegram")
        app.notifier.register("telegram", owner_inbox)
        await Person(app, 1).say("/start")

        for n in range(15):
            await Person(app, 100 + n, f"Guest{n}").say("hello")
        await jobs.run_until_idle()
        prompts = [t for t in owner_inbox.texts() if "wants to use the bot" in t]
        assert len(prompts) == 10
        assert len(await jobs.list(kind=NOTIFY_SEND, limit=100)) == 10

        clock.advance(timedelta(hours=1))  # the hour ends: its summary is due
        await jobs.run_until_idle()
        assert owner_inbox.texts()[-1] == "5 more people asked to join in the last hour."
        owner = Person(app, 1)
        owner.outbox = owner_inbox
        await owner.press(owner_inbox.button("Show them").id)
        listed = [t for t in owner_inbox.texts() if "wants to use the bot" in t]
        assert len(listed) == 10 + 15  # everyone waiting, each with Approve / Block
