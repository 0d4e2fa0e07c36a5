"""The whole stack for Discord end-to-end tests: fake Discord ⇄ real discord.py ⇄ core.

The dispatcher is built from the real core pieces on a SQLite file, with the core
commands, the Telegram tests' probe skill plus Discord probes (a slow ``/find`` that
answers with a card, ``/attached`` that fetches what was attached), and either the
offline agent or a scripted streaming one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pydantic import SecretStr

from concierge.core.dispatch import AgentRunner
from concierge.core.messages import Card, rows
from concierge.core.skill import Arg, Command, Context, Skill
from concierge.frontends.discord.app import DiscordFrontend
from concierge.storage.db import Database
from tests.frontends.telegram.conftest import probe_skill
from tests.support.core_stack import CoreStack, core_dispatcher
from tests.support.core_stack import running as running  # the tests import it from here
from tests.support.fake_discord import GUILD_ID, TOKEN, FakeDiscord

OWNER = 411111111111111111
STRANGER = 422222222222222222
FIND_PAUSE = 0.4  # /find "searches" this long: past the test's acknowledgement deadline
ACK_DEADLINE = 0.1


def discord_probes() -> Skill:
    async def find(ctx: Context) -> None:
        await asyncio.sleep(FIND_PAUSE)
        await ctx.reply(
            Card(
                title=f"{ctx.inbound.args} *_[",
                body="Paul Atreides unites with the **Fremen**.",
                image_url="https://image.example.org/t/p/w500/dune.jpg",
                link="https://www.themoviedb.org/movie/438631",
                buttons=rows(
                    await ctx.button("Find torrents", "probe.press", {"n": 1}),
                    await ctx.button("Details", "probe.press", {"n": 2}),
                    per_row=2,
                ),
            )
        )

    async def attached(ctx: Context) -> None:
        sizes = []
        for attachment in ctx.inbound.attachments:
            assert attachment.fetch is not None
            data = await attachment.fetch()
            sizes.append(f"{attachment.kind.value}:{attachment.filename}:{len(data)}")
        await ctx.reply("got " + ", ".join(sizes))

    year = Arg("year", "help.help", type="integer")
    title = Arg("title", "help.help", required=True)
    return Skill(
        name="discord-probes",
        commands=[
            Command("find", "movies.help.find", find, args=(title, year)),
            Command("attached", "help.help", attached),
        ],
    )


class Stack(CoreStack):
    def frontend(self, fake: FakeDiscord, **overrides: Any) -> DiscordFrontend:
        options: dict[str, Any] = {
            "token": SecretStr(TOKEN),
            "dispatcher": self.dispatcher,
            "notifier": self.notifier,
            "registry": self.registry,
            "catalog": self.catalog,
            "users": self.users,
            "api_base_url": fake.base_url,
            "gateway_url": fake.gateway_url,
            "guild_ids": [GUILD_ID],
            "stream_interval": 0.05,
            "ack_deadline": ACK_DEADLINE,
            "guild_ready_timeout": 0.05,
            "start_timeout": 10.0,
        }
        options.update(overrides)
        return DiscordFrontend(**options)


def build_stack(
    db: Database,
    *,
    agent: AgentRunner | str | None = "offline",
    mode: str = "approval",
    skills: Sequence[Skill] = (),
) -> Stack:
    dispatcher = core_dispatcher(
        db,
        owners={("discord", OWNER)},
        mode=mode,
        skills=[probe_skill(), discord_probes(), *skills],
        agent=agent,
    )
    return Stack.of(db, dispatcher)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    server = FakeDiscord().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(sqlite_db: Database) -> Stack:
    return build_stack(sqlite_db)
