"""Leases on SQLite and Postgres: one holder at a time, taken over when it runs out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from concierge.core.leases import Lease
from concierge.storage.db import Database
from concierge.storage.leases import SqlLeases
from tests.fakes.clock import FakeClock

TTL = timedelta(seconds=15)


async def test_one_holder_until_its_lease_runs_out(db: Database) -> None:
    clock = FakeClock()
    leases = SqlLeases(db, clock)
    assert await leases.acquire("telegram.polling", "a", TTL)
    assert not await leases.acquire("telegram.polling", "b", TTL)
    assert await leases.acquire("telegram.polling", "a", TTL)  # a renewal
    assert await leases.holder("telegram.polling") == "a"
    clock.advance(TTL + timedelta(seconds=1))  # "a" died: nobody renewed
    assert await leases.holder("telegram.polling") is None
    assert await leases.acquire("telegram.polling", "b", TTL)
    assert not await leases.acquire("telegram.polling", "a", TTL)
    await leases.release("telegram.polling", "a")  # not a's to give up
    assert await leases.holder("telegram.polling") == "b"
    await leases.release("telegram.polling", "b")
    assert await leases.acquire("telegram.polling", "a", TTL)


async def test_racing_replicas_get_one_lease(db: Database) -> None:
    clock = FakeClock()
    leases = SqlLeases(db, clock)
    won = await asyncio.gather(*(leases.acquire("gateway", f"r{n}", TTL) for n in range(6)))
    assert won.count(True) == 1
    clock.advance(TTL * 2)
    won = await asyncio.gather(*(leases.acquire("gateway", f"r{n}", TTL) for n in range(6)))
    assert won.count(True) == 1


async def test_the_guarded_thing_runs_on_one_replica_and_moves_when_it_dies(db: Database) -> None:
    clock = FakeClock()
    running: list[str] = []

    def lease(name: str) -> Lease:
        async def gain() -> None:
            running.append(name)

        async def loss() -> None:
            running.remove(name)

        return Lease(SqlLeases(db, clock), "polling", name, on_gain=gain, on_loss=loss, clock=clock)

    first, second = lease("first"), lease("second")
    await first.step()
    await second.step()
    assert running == ["first"]
    clock.advance(TTL / 3)
    await first.step()  # renewed in time
    await second.step()
    assert running == ["first"]
    clock.advance(TTL + timedelta(seconds=1))  # first stopped renewing (killed)
    await second.step()
    assert running == ["first", "second"]  # the dead one's flag is moot: its process is gone
    first.held = False
    running.remove("first")
    await second.stop()  # a clean stop gives the lease up at once
    assert running == []
    await first.step()
    assert running == ["first"]
    await first.stop()
