"""Four processes on Postgres and Redis behind one webhook: in order per user, once, paced.

Two ``serve --role web`` replicas take Telegram's webhook POSTs and two ``worker``s
handle the updates (``TELEGRAM_QUEUE_UPDATES``: a job per update in the user's lane).
The fake Bot API's burst of 500 updates from 50 users goes alternately to both
webhooks, every tenth one delivered a second time to the other replica, as Telegram
redelivers. Each update is a command the bot answers with its name in the reply, so a
user's replies show their order. Telegram's per-chat pace is counted across all four
processes in Redis. The second test kills one web and one worker with ``kill -9`` mid
burst (posts that fail are redelivered to the other web, as Telegram retries) and
restarts them.

Needs ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL``; skipped without them.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.daemons import free_port
from tests.support.bot_process import bot_process, until
from tests.support.fake_telegram import FakeTelegram

REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="Redis not configured (TEST_REDIS_URL)")

USERS = 50
EACH = 10
FIRST_USER = 5000
SECRET = "scale-out-secret"
CHAT_RATE, CHAT_BURST = 1.0, 3  # the limits the bot paces each chat to (RateLimits)


def _reply(n: int) -> str:
    return f"I don't know the command /m{n}. Type /help for the list."


class Cluster:
    """Named processes: ``web…`` (serve --role web), ``all…`` (serve), else ``worker``."""

    def __init__(self, tmp_path: Path, fake: FakeTelegram, database: str, **extra: str) -> None:
        self.tmp_path, self.fake = tmp_path, fake
        self.ports: dict[str, int] = {}
        self.env = {
            "DATABASE_URL": database,
            "REDIS_URL": str(REDIS_URL),
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_QUEUE_UPDATES": "true",
            "ACCESS_MODE": "open",
            "LLM_PROVIDER": "offline",
            "JOBS_CONCURRENCY": "16",
            **extra,
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarted_at = ""  # the database's UTC time at a kill -9

    def start(self, name: str) -> None:
        command = {"web": ("serve", "--role", "web"), "all": ("serve",)}.get(name[:3], ("worker",))
        self.procs[name] = bot_process(
            self.tmp_path,
            self.fake,
            name,
            command=command,
            REPLICA_ID=name,
            HTTP_PORT=str(self.ports.setdefault(name, free_port())),
            **self.env,
        )

    def log(self, name: str) -> bytes:
        return (self.tmp_path / f"{name}.log").read_bytes()

    async def ready(self, *names: str) -> None:
        for name in names:
            mark = b'"serving"' if name[:3] in ("web", "all") else b'"worker_running"'
            await until(f"{name} to start", 90, lambda n=name, m=mark: m in self.log(n))  # type: ignore[misc]

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                proc.kill()


async def post(
    client: httpx.AsyncClient, cluster: Cluster, order: list[str], update: dict[str, object]
) -> None:
    """POST until a replica answers 200, trying the next web replica after a failure."""
    for attempt in range(200):
        name = order[attempt % len(order)]
        try:
            response = await client.post(
                f"http://127.0.0.1:{cluster.ports[name]}/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"no replica took update {update['update_id']}")


async def _burst(cluster: Cluster, fake: FakeTelegram, halfway: asyncio.Event) -> int:
    """Each user's updates in sequence, users at once; redeliveries; how many POSTs."""
    posts = 0

    async def user(u: int, client: httpx.AsyncClient) -> None:
        nonlocal posts
        for n in range(EACH):
            update = {
                "update_id": 100_000 + u * 100 + n,
                **fake.text_update(FIRST_USER + u, f"/m{n}"),
            }
            order = ["web1", "web2"] if (u + n) % 2 == 0 else ["web2", "web1"]
            await post(client, cluster, order, update)
            posts += 1
            if n % 10 == 3:  # Telegram redelivers now and then (to whichever replica)
                await post(client, cluster, order[::-1], update)
                posts += 1
            if u == 0 and n == EACH // 2:
                halfway.set()

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(user(u, client) for u in range(USERS)))
    return posts


def _over_pace(fake: FakeTelegram) -> int:
    """Messages to a chat beyond what the chat's pace allows (burst, then 1 a second)."""
    worst = 0
    for u in range(USERS):
        times = sorted(c.at for c in fake.calls_to("sendMessage", chat_id=FIRST_USER + u) if c.ok)
        for i in range(len(times)):
            for j in range(i, len(times)):
                allowed = CHAT_BURST + (times[j] - times[i]) * CHAT_RATE + 0.25
                worst = max(worst, int((j - i + 1) - allowed + 0.999))
    return worst


async def _sql(database: str, query: str) -> object:
    connection = await asyncpg.connect(database.replace("+asyncpg", ""), timeout=10)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def _run(
    tmp_path: Path, database: str, *, kill: bool, **extra: str
) -> tuple[Cluster, FakeTelegram, int]:
    (tmp_path / "data").mkdir()
    fake = FakeTelegram().start()
    cluster = Cluster(tmp_path, fake, database, **extra)
    try:
        cluster.start("web1")  # the first runs the migrations; the rest wait on their lock
        await cluster.ready("web1")
        for name in ("web2", "worker1", "worker2"):
            cluster.start(name)
        await cluster.ready("web2", "worker1", "worker2")
        halfway = asyncio.Event()
        burst = asyncio.create_task(_burst(cluster, fake, halfway))
        if kill:
            await asyncio.wait_for(halfway.wait(), 120)
            cluster.kill("web1")
            cluster.kill("worker1")
            cluster.restarted_at = str(await _sql(database, "SELECT now() AT TIME ZONE 'UTC'"))
            await asyncio.sleep(1)
            cluster.start("web1")
            cluster.start("worker1")
        posts = await asyncio.wait_for(burst, 300)
        total = USERS * EACH
        await until("every update answered", 240, lambda: len(fake.sent_texts()) >= total)
        await asyncio.sleep(2)  # a duplicate, were there one, would be sent by now
        return cluster, fake, posts
    except BaseException:
        cluster.stop()
        fake.stop()
        raise


async def test_a_burst_through_two_webs_and_two_workers_is_answered_once_in_order(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    cluster, fake, posts = await _run(tmp_path, empty_postgres_url, kill=False)
    try:
        for u in range(USERS):
            assert fake.sent_texts(FIRST_USER + u) == [_reply(n) for n in range(EACH)], u
        over = _over_pace(fake)
        print(f"\n{posts} POSTs for {USERS * EACH} updates; over the chat pace: {over}")
        assert posts > USERS * EACH  # some were redelivered
        assert over == 0
        # one update followed from the webhook to its reply: the same correlation id in both
        web_logs = cluster.log("web1") + cluster.log("web2")
        worker_logs = cluster.log("worker1") + cluster.log("worker2")
        queued = [line for line in web_logs.splitlines() if b"telegram_update_queued" in line]
        correlation = json.loads(queued[0])["correlation"]
        handled = [line for line in worker_logs.splitlines() if correlation.encode() in line]
        assert any(json.loads(line).get("replica", "").startswith("worker") for line in handled)
    finally:
        cluster.stop()
        fake.stop()


async def test_kill_9_of_a_web_and_a_worker_mid_burst_loses_nothing(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    cluster, fake, _posts = await _run(
        tmp_path, empty_postgres_url, kill=True, MONITORS_TICK_SECONDS="10"
    )
    try:
        # schedules go on after the kill, each tick queued once by one of the processes
        restarted = cluster.restarted_at
        ticks = "FROM schedule_ticks WHERE schedule = 'monitors.tick'"

        async def ticked_since_restart() -> bool:
            later = await _sql(
                empty_postgres_url, f"SELECT count(*) {ticks} AND claimed_at > '{restarted}'"
            )
            return bool(later)

        for _ in range(60):
            if await ticked_since_restart():
                break
            await asyncio.sleep(0.5)
        tick_count = await _sql(empty_postgres_url, f"SELECT count(*) {ticks}")
        tick_jobs = await _sql(
            empty_postgres_url, "SELECT count(*) FROM jobs WHERE kind = 'monitors.tick'"
        )
        assert await ticked_since_restart()
        assert isinstance(tick_jobs, int) and isinstance(tick_count, int)
        # never two jobs for one tick; the newest claim may still be on its way to the queue
        assert tick_count - 1 <= tick_jobs <= tick_count, (tick_jobs, tick_count)
        duplicates = 0
        for u in range(USERS):
            texts = fake.sent_texts(FIRST_USER + u)
            expected = [_reply(n) for n in range(EACH)]
            assert set(texts) == set(expected), u  # nothing lost
            firsts = list(dict.fromkeys(texts))
            assert firsts == expected, u  # in order (a rerun may repeat one, later)
            duplicates += sum(c - 1 for c in Counter(texts).values())
        assert b'"worker_running"' in cluster.log("worker1")  # the restarted worker joined
        print(
            f"\nafter kill -9 of web1 and worker1: {duplicates} replies sent twice;"
            f" monitors.tick: {tick_count} ticks, {tick_jobs} jobs"
        )
        assert duplicates <= 4  # only updates in hand at the kill run again
    finally:
        cluster.stop()
        fake.stop()
