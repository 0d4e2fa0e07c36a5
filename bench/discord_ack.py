"""Discord acknowledgement latency: the whole Concierge stack against a bare discord.py bot.

Both bots connect to the same kind of fake Discord on loopback (REST + gateway,
tests/support/fake_discord.py) and get the same burst of injected slash commands
(``/help`` from many users in a guild channel). Concierge handles each through the
front-end, the dispatcher (SQLite: user upsert, de-duplication, access), the core's /help
and rendering; the baseline discord.py client answers every interaction with a fixed
message. Latency is measured by the fake: interaction dispatched → its callback (the
first acknowledgement Discord sees) received. Discord's window is 3 s; the seed's target
is every command answered within 2 s.

Prints p50/p99/max for each and the ratios.  Usage:
uv run python bench/discord_ack.py [--users 40] [--commands 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import discord
import structlog
import yarl
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from concierge.frontends.discord.app import DiscordFrontend  # noqa: E402
from concierge.storage.db import Database  # noqa: E402
from tests.support.core_stack import core_dispatcher  # noqa: E402
from tests.support.fake_discord import TOKEN, FakeDiscord  # noqa: E402

FIRST_USER = 433_000_000_000_000_000


@dataclass
class Result:
    name: str
    latencies: list[float]  # in the burst
    alone: list[float]  # one command at a time

    def percentile(self, q: float, alone: bool = False) -> float:
        ordered = sorted(self.alone if alone else self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(name: str, fake: FakeDiscord, users: int, commands: int) -> Result:
    """Inject a burst of /help and wait until every one was acknowledged."""
    warm = [fake.payloads.slash(FIRST_USER + u, "help") for u in range(users)]
    for payload in warm:
        await fake.push("INTERACTION_CREATE", payload)
    await fake.wait_for(
        lambda: all(p["id"] in fake.payloads.acked_at for p in warm), seconds=60, what="warm-up"
    )
    burst = [
        fake.payloads.slash(FIRST_USER + u, "help") for _ in range(commands) for u in range(users)
    ]
    for payload in burst:
        await fake.push("INTERACTION_CREATE", payload)
    await fake.wait_for(
        lambda: all(p["id"] in fake.payloads.acked_at for p in burst), seconds=120, what=name
    )
    one_by_one = []
    for i in range(users):
        payload = fake.payloads.slash(FIRST_USER + i, "help")
        one_by_one.append(payload)
        await fake.push("INTERACTION_CREATE", payload)
        await fake.wait_for(lambda p=payload: p["id"] in fake.payloads.acked_at, what=name)
    if fake.payloads.late_acks:
        raise RuntimeError(f"{name}: {len(fake.payloads.late_acks)} acknowledged after 3 s")
    acked, sent = fake.payloads.acked_at, fake.payloads.dispatched_at
    return Result(
        name,
        [acked[p["id"]] - sent[p["id"]] for p in burst],
        [acked[p["id"]] - sent[p["id"]] for p in one_by_one],
    )


async def run_bare(users: int, commands: int) -> Result:
    fake = FakeDiscord().start()
    discord.http.Route.BASE = fake.base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    class Bare(discord.Client):
        async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
            await interaction.response.send_message("Commands: /help")

    client = Bare(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    task = asyncio.create_task(client.start(TOKEN))
    try:
        await fake.wait_for(client.is_ready, what="the bare bot ready")
        return await measure("bare discord.py bot", fake, users, commands)
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        fake.stop()


async def run_concierge(users: int, commands: int, data_dir: Path) -> Result:
    fake = FakeDiscord().start()
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'bench.db'}")
    await db.upgrade()
    try:
        dispatcher = core_dispatcher(db, mode="open", agent=None)
        frontend = DiscordFrontend(
            token=SecretStr(TOKEN),
            dispatcher=dispatcher,
            notifier=dispatcher.notifier,
            registry=dispatcher.registry,
            catalog=dispatcher.catalog,
            users=dispatcher.users,
            api_base_url=fake.base_url,
            gateway_url=fake.gateway_url,
            guild_ready_timeout=0.05,
        )
        await frontend.start()
        try:
            return await measure("Concierge (full stack)", fake, users, commands)
        finally:
            await frontend.stop()
    finally:
        await db.close()
        fake.stop()


def report(result: Result) -> None:
    print(
        f"{result.name:24} burst p50 {result.percentile(0.5) * 1000:6.1f} ms "
        f"p99 {result.percentile(0.99) * 1000:6.1f} ms | one at a time "
        f"p50 {result.percentile(0.5, True) * 1000:5.1f} ms "
        f"p99 {result.percentile(0.99, True) * 1000:5.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--commands", type=int, default=5)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    bare = await run_bare(args.users, args.commands)
    with tempfile.TemporaryDirectory() as tmp:
        concierge = await run_concierge(args.users, args.commands, Path(tmp))
    print(f"{args.users} users x {args.commands} slash commands, fake Discord on loopback")
    report(bare)
    report(concierge)
    ratio = [concierge.percentile(q, a) / bare.percentile(q, a) for a in (False, True)
             for q in (0.5, 0.99)]  # fmt: skip
    every = concierge.latencies + concierge.alone
    print(
        f"ratio (Concierge / bare): burst p50 {ratio[0]:.1f}x p99 {ratio[1]:.1f}x; "
        f"one at a time p50 {ratio[2]:.1f}x p99 {ratio[3]:.1f}x; "
        f"acknowledged within 2 s: {sum(lat <= 2.0 for lat in every)}/{len(every)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
