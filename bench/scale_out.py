"""Updates per second with 1, 2 and 4 processes on Postgres, and p99 latency.

The harness of ``tests/test_scale_out.py``: real ``concierge`` processes on a fresh
Postgres database, the fake Bot API in this process, webhook POSTs spread over the web
replicas, every update a job in its user's lane (``TELEGRAM_QUEUE_UPDATES``). Pacing to
Telegram's limits is off (``TELEGRAM_SEND_PACING=false``: the fake has none, and 30
messages a second overall would be all this measures). Layouts:

- 1: ``serve`` (web and worker in one process)
- 2: ``serve --role web`` + ``worker``
- 4: 2 × ``serve --role web`` + 2 × ``worker``

Each user sends their messages one after another (the next once the webhook took the
last), users at once. Latency: from the POST's 200 to the reply reaching the fake.
Throughput: updates / (last reply − first POST). The processes share this machine's
cores with the fake and the load generator, so on 2 cores more processes mostly add
contention; the same script runs unchanged on a bigger machine.

Usage: uv run python bench/scale_out.py [--users 100] [--each 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.bot_process import until  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.test_scale_out import Cluster, post  # noqa: E402

LAYOUTS = {1: ("all1",), 2: ("web1", "worker1"), 4: ("web1", "web2", "worker1", "worker2")}
FIRST_USER = 7000


async def _database(base_url: str) -> str:
    base = make_url(base_url)
    name = f"concierge_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def _measure(processes: int, users: int, each: int, base_url: str) -> dict[str, float]:
    database = await _database(base_url)
    fake = FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        cluster = Cluster(folder, fake, database, TELEGRAM_SEND_PACING="false")
        cluster.env.pop("REDIS_URL")
        names = LAYOUTS[processes]
        try:
            cluster.start(names[0])
            await cluster.ready(names[0])
            for name in names[1:]:
                cluster.start(name)
            await cluster.ready(*names[1:])
            webs = [n for n in names if n[:3] in ("web", "all")]
            accepted: dict[int, float] = {}

            async def user(u: int, client: httpx.AsyncClient) -> None:
                for n in range(each):
                    update_id = 500_000 + u * 100 + n
                    update = {"update_id": update_id, **fake.text_update(FIRST_USER + u, f"/b{n}")}
                    order = webs[(u + n) % len(webs) :] + webs[: (u + n) % len(webs)]
                    await post(client, cluster, order, update)
                    accepted[update_id] = time.perf_counter()

            started = time.perf_counter()
            async with httpx.AsyncClient(
                timeout=10, limits=httpx.Limits(max_connections=200)
            ) as client:
                await asyncio.gather(*(user(u, client) for u in range(users)))
            total = users * each
            await until("every reply", 300, lambda: len(fake.sent_texts()) >= total)
            latencies = []
            for u in range(users):
                calls = [c for c in fake.calls_to("sendMessage", chat_id=FIRST_USER + u) if c.ok]
                for n, call in enumerate(calls[:each]):
                    latencies.append(call.at - accepted[500_000 + u * 100 + n])
            last = max(c.at for c in fake.calls_to("sendMessage") if c.ok)
        finally:
            cluster.stop()
            fake.stop()
    latencies.sort()
    return {
        "processes": processes,
        "updates_per_s": total / (last - started),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--each", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("needs Postgres: --postgres URL or TEST_DATABASE_URL")
    rows = [await _measure(n, args.users, args.each, args.postgres) for n in LAYOUTS]
    base = rows[0]["updates_per_s"]
    print(f"scale-out, {args.users} users x {args.each} updates, {os.cpu_count()} cores")
    print("processes  updates/s  vs 1   p50 ms   p99 ms")
    for row in rows:
        print(
            f"{row['processes']:>9}  {row['updates_per_s']:>9.1f}  {row['updates_per_s'] / base:>4.2f}x"
            f"  {row['p50_ms']:>7.0f}  {row['p99_ms']:>7.0f}"
        )
    print("BENCH " + json.dumps({"rows": rows, "cores": os.cpu_count()}))


if __name__ == "__main__":
    asyncio.run(main())
