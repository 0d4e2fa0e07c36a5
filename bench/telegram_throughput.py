"""Telegram front-end throughput: the whole Concierge stack against a bare PTB echo bot.

Both bots poll the same kind of fake Bot API on loopback (tests/support/fake_telegram.py)
and get the same burst of private-chat messages. Concierge handles each through the
front-end, dispatcher (SQLite), the agent on the built-in offline model, streaming and
rendering; the baseline python-telegram-bot application just echoes. Pacing is off in
both (it would measure Telegram's flood limits, not the code); retries stay on.

Prints updates/second and p50/p99 latency (update available → reply received by the
API) for each, the ratios, and a last ``BENCH {json}`` line for ``bench/run_all.py``.
Usage: uv run python bench/telegram_throughput.py [--chats 40] [--messages 10]
[--db URL] [--model offline|scripted]   (a Postgres ``--db`` is emptied first)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import structlog
from pydantic import SecretStr
from sqlalchemy import text
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from concierge.bootstrap import build_dispatcher  # noqa: E402
from concierge.core.agent import PydanticAgentRunner  # noqa: E402
from concierge.core.dispatch import AccessPolicy  # noqa: E402
from concierge.core.i18n import Catalog  # noqa: E402
from concierge.core.metrics import Metrics  # noqa: E402
from concierge.core.model_choice import LLMSettings  # noqa: E402
from concierge.core.notify import Notifier  # noqa: E402
from concierge.frontends.telegram.app import TelegramFrontend  # noqa: E402
from concierge.frontends.telegram.ratelimit import RateLimits  # noqa: E402
from concierge.storage.db import Database  # noqa: E402
from concierge.storage.repos import UserRepo  # noqa: E402
from tests.support.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

FIRST_USER = 500_000


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def burst(fake: FakeTelegram, chats: int, messages: int, tag: str) -> list[int]:
    updates = [
        fake.text_update(FIRST_USER + c, f"{tag} message {i} from chat {c}")
        for i in range(messages)
        for c in range(chats)
    ]
    return fake.push_many(updates)


async def measure(name: str, fake: FakeTelegram, chats: int, messages: int) -> Result:
    """Push one burst and wait until every chat got one reply per message."""

    def replies() -> int:
        return len([c for c in fake.calls_to("sendMessage") if c.ok])

    await fake.wait_for(lambda: True)
    warm = burst(fake, chats, 1, "warm-up")
    await fake.wait_for(lambda: replies() >= len(warm), seconds=120, what="warm-up")
    done_before = {chat: len(fake.sent_texts(FIRST_USER + chat)) for chat in range(chats)}
    ids = burst(fake, chats, messages, "bench")
    started = time.perf_counter()
    total = len(warm) + len(ids)
    await fake.wait_for(lambda: replies() >= total, seconds=300, what=f"{name} replies")
    finished = max(c.at for c in fake.calls_to("sendMessage") if c.ok)
    latencies: list[float] = []
    for chat in range(chats):
        user = FIRST_USER + chat
        sent = [c for c in fake.calls_to("sendMessage", chat_id=user) if c.ok][done_before[chat] :]
        pushed = [uid for uid in ids if (uid - ids[0]) % chats == chat]
        if len(sent) != len(pushed):  # every message must get exactly one reply
            texts = [str(c.params.get("text", ""))[:60] for c in sent]
            raise RuntimeError(
                f"{name}: chat {chat} got {len(sent)} replies to {len(pushed)}: {texts}"
            )
        latencies += [
            call.at - fake.update_pushed_at[uid] for call, uid in zip(sent, pushed, strict=True)
        ]
    return Result(name, len(ids), finished - started, latencies)


async def run_echo(chats: int, messages: int) -> Result:
    fake = FakeTelegram().start()
    try:

        async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            if update.message is not None and update.message.text:
                await update.message.reply_text(update.message.text)

        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{fake.base_url}/bot")
            .concurrent_updates(256)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            return await measure("python-telegram-bot echo", fake, chats, messages)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    finally:
        fake.stop()


async def run_concierge(
    chats: int, messages: int, data_dir: Path, db_url: str | None = None, model: str = "offline"
) -> Result:
    """The whole stack; ``db_url`` None means SQLite in ``data_dir``; ``model`` "scripted"
    swaps the offline model for tests' scripted model (a provider that answers at once)."""
    fake = FakeTelegram().start()
    db = Database(db_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}")
    if db_url and db_url.startswith("postgresql"):  # emptied: earlier runs' update ids recur
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await db.upgrade()
    try:
        catalog = Catalog.load()
        users = UserRepo(db)
        notifier = Notifier(users)
        dispatcher = build_dispatcher(
            db,
            catalog=catalog,
            users=users,
            notifier=notifier,
            metrics=Metrics(),
            policy=AccessPolicy(frozenset(), "open", "en"),
            skills=[],
            llm=LLMSettings(provider="offline"),
        )
        if model == "scripted":
            from tests.fakes.agent import FakeModels, Script

            assert isinstance(dispatcher.agent, PydanticAgentRunner)
            dispatcher.agent.models = FakeModels.scripted(Script())
        registry = dispatcher.registry
        frontend = TelegramFrontend(
            token=SecretStr(TOKEN),
            dispatcher=dispatcher,
            notifier=notifier,
            registry=registry,
            catalog=catalog,
            users=users,
            api_base_url=fake.base_url,
            limits=RateLimits.unlimited(),
            poll_timeout=1,
        )
        await frontend.start()
        try:
            return await measure("Concierge (full stack)", fake, chats, messages)
        finally:
            await frontend.stop()
    finally:
        await db.close()
        fake.stop()


def report(result: Result) -> None:
    print(
        f"{result.name:28} {result.rate:8.1f} updates/s   "
        f"p50 {result.percentile(0.5) * 1000:7.1f} ms   p99 {result.percentile(0.99) * 1000:7.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--model", choices=("offline", "scripted"), default="offline")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    echo = await run_echo(args.chats, args.messages)
    with tempfile.TemporaryDirectory() as tmp:
        concierge = await run_concierge(args.chats, args.messages, Path(tmp), args.db, args.model)
    print(
        f"{args.chats} private chats x {args.messages} messages, fake Bot API on loopback, "
        f"{'Postgres' if args.db and 'postgres' in args.db else 'SQLite'}, {args.model} model"
    )
    report(echo)
    report(concierge)
    print(
        f"ratio (Concierge / echo): throughput {concierge.rate / echo.rate:.2f}x, "
        f"p50 latency {statistics.median(concierge.latencies) / statistics.median(echo.latencies):.1f}x, "
        f"p99 latency {concierge.percentile(0.99) / echo.percentile(0.99):.1f}x"
    )
    figures = {
        "echo_rate": echo.rate,
        "rate": concierge.rate,
        "echo_p99": echo.percentile(0.99),
        "p99": concierge.percentile(0.99),
        "errors": 0,  # measure() raises unless every message got exactly one reply
    }
    print("BENCH " + json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
