"""Bot-initiated notices through jobs: sent once per key, retried when delivery fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from concierge.core.access import Role
from concierge.core.jobs import JobState
from concierge.core.messages import Card, MessageHandle, Reply, Text, UserRef
from concierge.core.notify import DeliveryFailed, Notifier, RecipientUnreachable
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.repos import UserRecord, UserRepo
from concierge.storage.sent_notices import SentNotices
from tests.fakes.clock import FakeClock
from tests.support.outbox import RecordingOutbox


@dataclass
class FlakySender:
    """A platform that fails the next sends with the queued errors, then delivers."""

    outbox: RecordingOutbox = field(default_factory=lambda: RecordingOutbox(platform="telegram"))
    failures: list[Exception] = field(default_factory=list)

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        if self.failures:
            raise self.failures.pop(0)
        return await self.outbox.send(reply)

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        return await self.outbox.edit(handle, reply)

    async def delete_message(self, handle: MessageHandle) -> bool:
        return await self.outbox.delete_message(handle)


@dataclass
class World:
    users: UserRepo
    notifier: Notifier
    jobs: EmbeddedJobs
    sender: FlakySender
    clock: FakeClock
    user: UserRecord


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    users = UserRepo(db)
    clock = FakeClock()
    notifier = Notifier(users)
    jobs = EmbeddedJobs(db, clock=clock)
    notifier.use_jobs(jobs, SentNotices(db))
    sender = FlakySender()
    notifier.register("telegram", sender)
    user = await users.upsert(UserRef("telegram", 501, "Ann"), Role.USER)
    try:
        yield World(users, notifier, jobs, sender, clock, user)
    finally:
        await jobs.stop()


async def test_a_notice_goes_out_once_per_key(world: World) -> None:
    first = await world.notifier.enqueue(world.user, Text("Dune is ready"), key="dl:1:done")
    twin = await world.notifier.enqueue(world.user, Text("Dune is ready"), key="dl:1:done")
    assert twin == first  # the live job is reused
    await world.jobs.run_until_idle()

    again = await world.notifier.enqueue(world.user, Text("Dune is ready"), key="dl:1:done")
    assert again != first  # a finished job does not block a new one…
    await world.jobs.run_until_idle()
    info = await world.jobs.get(again)
    assert info is not None and info.state is JobState.SUCCEEDED
    assert world.sender.outbox.texts() == ["Dune is ready"]  # …but its record does
    assert await world.notifier.sent("dl:1:done") == MessageHandle("telegram", 1, (1,))


async def test_a_failed_delivery_is_retried_later_and_sent_once(world: World) -> None:
    world.sender.failures.append(DeliveryFailed("Telegram is down"))
    job = await world.notifier.enqueue(world.user, Text("Dune is ready"), key="dl:2:done")
    await world.jobs.run_until_idle()
    waiting = await world.jobs.get(job)
    assert waiting is not None and waiting.state is JobState.QUEUED and waiting.attempts == 1
    assert world.sender.outbox.texts() == []

    world.clock.advance(timedelta(minutes=5))
    await world.jobs.run_until_idle()
    done = await world.jobs.get(job)
    assert done is not None and done.state is JobState.SUCCEEDED
    assert world.sender.outbox.texts() == ["Dune is ready"]


async def test_a_recipient_who_blocked_the_bot_is_not_retried(world: World) -> None:
    world.sender.failures.append(RecipientUnreachable("blocked"))
    job = await world.notifier.enqueue(world.user, Text("Dune is ready"), key="dl:3:done")
    await world.jobs.run_until_idle()
    info = await world.jobs.get(job)
    assert info is not None and info.state is JobState.FAILED and info.attempts == 1
    user = await world.users.get(world.user.id)
    assert user is not None and user.unreachable
    assert await world.notifier.sent("dl:3:done") is None


async def test_the_sent_notice_is_edited_by_its_key(world: World) -> None:
    await world.notifier.enqueue(world.user, Text("Downloading… 0%"), key="dl:4:progress")
    await world.jobs.run_until_idle()
    await world.notifier.edit_sent("dl:4:progress", Text("Downloading… 50%"))
    assert world.sender.outbox.texts() == ["Downloading… 50%"]
