"""The whole stack for Telegram end-to-end tests: fake Bot API ⇄ real PTB app ⇄ core.

The dispatcher is built from the real core pieces on a SQLite file, with the
core commands skill, a small probe skill and either the real agent on the
offline model or a scripted streaming agent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pydantic import SecretStr

from concierge.core.access import Role
from concierge.core.dispatch import AgentRunner
from concierge.core.messages import Card, File, Text, rows
from concierge.core.skill import Command, Context, Skill
from concierge.frontends.telegram.app import TelegramFrontend
from concierge.frontends.telegram.ratelimit import RateLimits
from concierge.storage.db import Database
from tests.fakes.agent import FakeAgent
from tests.support.core_stack import CoreStack, core_dispatcher
from tests.support.core_stack import running as running  # the tests import it from here
from tests.support.fake_telegram import TOKEN, FakeTelegram

LONG_BODY = "Paul Atreides unites with the Fremen. " * 60
OWNER = 1001
STRANGER = 2002
ScriptedAgent = FakeAgent  # these tests give it parts to stream with pauses
FAST = RateLimits(overall_per_second=0, group_messages=0, chat_per_second=0, backoff_seconds=0.01)


def probe_skill() -> Skill:
    """Commands a test can trigger to make the bot send each kind of reply."""

    async def menu(ctx: Context) -> None:
        button = await ctx.button("Press me", "probe.press", {"n": 42})
        link = await ctx.button("Docs", "probe.press", {"n": 7})
        await ctx.reply(Text("Pick one:", buttons=rows(button, link, per_row=2)))

    async def press(ctx: Context, payload: dict[str, Any]) -> None:
        await ctx.reply(f"pressed {payload['n']}")

    async def burst(ctx: Context) -> None:
        for i in range(int(ctx.inbound.args or "1")):
            await ctx.reply(f"burst {i}")

    async def card(ctx: Context) -> None:
        kind = ctx.inbound.args
        body = (
            LONG_BODY if kind == "long" else "A *short* body with a [link](https://dune.example/)."
        )
        image = "broken" if kind == "broken" else "w500"
        await ctx.reply(
            Card(
                title="Dune: Part Two (2024) *_[",
                body=body,
                image_url=f"https://image.example.org/t/p/{image}/dune.jpg",
                link="https://www.themoviedb.org/movie/693134",
                buttons=rows(await ctx.button("Find torrents", "probe.press", {"n": 1})),
            )
        )

    async def long(ctx: Context) -> None:
        paragraph = "**Paragraph** with `code_x` and [a link](https://x.example/a_b). " * 20
        buttons = rows(await ctx.button("More", "probe.press", {"n": 3}))
        await ctx.reply(Text("\n\n".join([paragraph] * 8), buttons=buttons))

    async def file(ctx: Context) -> None:
        size = int(ctx.inbound.args or "10")
        await ctx.reply(File.from_bytes("report.txt", b"x" * size, caption="Your *report*"))

    async def forget(ctx: Context) -> None:
        assert ctx.inbound.message_id is not None
        await ctx.reply(f"deleted: {await ctx.outbox.delete(ctx.inbound.message_id)}")

    async def movie(ctx: Context, tmdb_id: str) -> None:
        await ctx.reply(f"movie card {tmdb_id}")

    async def torrent(ctx: Context, torrent_id: str) -> None:
        await ctx.reply(f"torrent card {torrent_id}")

    async def person(ctx: Context, person_id: str) -> None:
        await ctx.reply(f"person card {person_id}")

    return Skill(
        name="probe",
        commands=[
            Command("menu", "help.help", menu),
            Command("burst", "help.help", burst),
            Command("card", "help.help", card),
            Command("file", "help.help", file),
            Command("long", "help.help", long),
            Command("forget", "help.help", forget),
            Command("admin_only", "help.help", menu, min_role=Role.ADMIN),
        ],
        buttons={"probe.press": press},
        deep_links={"m_": movie, "t_": torrent, "p_": person},
    )


class Stack(CoreStack):
    def frontend(self, fake: FakeTelegram, **overrides: Any) -> TelegramFrontend:
        options: dict[str, Any] = {
            "token": SecretStr(TOKEN),
            "dispatcher": self.dispatcher,
            "notifier": self.notifier,
            "registry": self.registry,
            "catalog": self.catalog,
            "users": self.users,
            "api_base_url": fake.base_url,
            "limits": FAST,
            "stream_interval": 0.05,
            "poll_timeout": 1,
        }
        options.update(overrides)
        return TelegramFrontend(**options)


def build_stack(
    db: Database,
    *,
    agent: AgentRunner | str | None = "offline",
    mode: str = "approval",
    skills: Sequence[Skill] = (),
) -> Stack:
    dispatcher = core_dispatcher(
        db, owners={("telegram", OWNER)}, mode=mode, skills=[probe_skill(), *skills], agent=agent
    )
    return Stack.of(db, dispatcher)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(sqlite_db: Database) -> Stack:
    return build_stack(sqlite_db)
