"""kill -9 around the hour, two bot processes on one Postgres: every daily digest arrives
once, at the user's local 09:00 (Tokyo; Los Angeles across its DST change on 8 March).

Two real bot processes (``digest_bot``: the app, the Telegram front-end to the fake Bot
API, jobs and scheduler) share the database and a clock file the test moves hour by hour.
On every due hour a random process is killed with SIGKILL a random moment after the
clock moved, and started again. A digest sent by a process that was killed before it
recorded the send is the documented at-least-once window (counted, at most one).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from concierge.storage.db import Database
from tests.conftest import _truncate
from tests.fakes.clock import FakeClock
from tests.skills.digests.conftest import digest_app, digest_settings
from tests.support.app import Person
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fixture_server import FixtureServer, free_port

ROOT = Path(__file__).resolve().parents[3]
TOKYO, LOS_ANGELES = 7101, 7102
ZONES = {TOKYO: "Asia/Tokyo", LOS_ANGELES: "America/Los_Angeles"}
START = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
DUE = [  # 09:00 local in UTC: Tokyo (UTC+9) and Los Angeles (PST, then PDT from 8 March)
    datetime(2026, 3, 7, 17, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 16, 0, tzinfo=UTC),
    datetime(2026, 3, 9, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 9, 16, 0, tzinfo=UTC),
    datetime(2026, 3, 10, 0, 0, tzinfo=UTC),
]
SETTLED = text(
    "SELECT (SELECT count(*) FROM user_schedules WHERE next_at <= :now)"
    " + (SELECT count(*) FROM schedule_ticks WHERE job_id IS NULL)"
    " + (SELECT count(*) FROM jobs WHERE kind IN ('digests.build', 'notify.send')"
    "    AND (state = 'running' OR (state = 'queued' AND run_at <= :now)))"
)


def steps() -> list[datetime]:
    """An hour before each due hour and the hour itself (nothing is due in between)."""
    return sorted({moment for due in DUE for moment in (due - timedelta(hours=1), due)})


def set_clock(path: Path, moment: datetime) -> None:
    spare = path.with_suffix(".new")
    spare.write_text(moment.isoformat())
    spare.replace(path)  # atomic: a process never reads half a time


class Bots:
    def __init__(self, tmp: Path, env: dict[str, str], clock_file: Path) -> None:
        self.tmp, self.env, self.clock_file = tmp, env, clock_file
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.runs = 0

    def start(self, name: str) -> None:
        self.runs += 1
        log = (self.tmp / f"bot-{name}-{self.runs}.log").open("wb")
        env = {**self.env, "HTTP_PORT": str(free_port())}
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "tests.skills.digests.digest_bot", str(self.clock_file)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            proc.wait(20)


async def settle(db: Database, clock_file: Path, now: datetime) -> datetime:
    """Wait until every due schedule, claim and digest job is done. A job or claim held
    by a killed process waits for the clock: moved a minute on, they are recovered."""
    deadline = time.monotonic() + 90
    nudged = time.monotonic() + 6
    while time.monotonic() < deadline:
        async with db.session() as s:
            left = int(await s.scalar(SETTLED, {"now": now}) or 0)
        if left == 0:
            return now
        if time.monotonic() > nudged:
            now += timedelta(minutes=1)
            set_clock(clock_file, now)
            nudged = time.monotonic() + 4
        await asyncio.sleep(0.1)
    raise AssertionError(f"not settled at {now.isoformat()}")


async def test_two_processes_killed_around_the_hour_send_each_digest_once_at_local_nine(
    tmp_path: Path, postgres_url: str, server: FixtureServer
) -> None:
    db = Database(postgres_url)
    await _truncate(db)
    overrides = digest_settings(
        tmp_path, server, database_url=postgres_url, jobs_backend="embedded"
    )
    clock = FakeClock(START)
    async with digest_app(tmp_path, clock, server, **overrides) as app:  # the users sign up
        for platform_id, zone in ZONES.items():
            person = Person(app, platform_id)
            await person.say(f"/timezone {zone}")
            await person.say("/digest daily 9")
    fake = FakeTelegram().start()
    clock_file = tmp_path / "clock.txt"
    set_clock(clock_file, START)
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "CONCIERGE_DATA_DIR": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TORRENT_SOURCES": "",
        "LOG_FORMAT": "json",
        **{k.upper(): ",".join(v) if isinstance(v, list) else str(v) for k, v in overrides.items()},
    }
    bots = Bots(tmp_path, env, clock_file)
    rng = random.Random(13)
    seen: list[tuple[int, datetime]] = []  # (chat, the clock when it was first seen)
    kills = 0
    try:
        bots.start("a")
        bots.start("b")
        await fake.wait_for(lambda: len(fake.calls_to("getUpdates")) >= 2, 60, "both bots")
        for moment in steps():
            set_clock(clock_file, moment)
            if moment in DUE:
                await asyncio.sleep(rng.uniform(0.0, 1.5))  # somewhere inside the hour's work
                victim = rng.choice(["a", "b"])
                bots.kill(victim)
                kills += 1
                bots.start(victim)
            now = await settle(db, clock_file, moment)
            await asyncio.sleep(0.3)  # a send that raced the last check lands now
            digests = [
                int(c.params["chat_id"])
                for c in fake.calls_to("sendMessage")
                if c.ok and str(c.params.get("text", "")).startswith("☀️")
            ]
            for chat in digests[len(seen) :]:
                seen.append((chat, now))
    finally:
        bots.stop()
        fake.stop()
        await db.close()
    local = {
        chat: [at.astimezone(ZoneInfo(zone)) for c, at in seen if c == chat]
        for chat, zone in ZONES.items()
    }
    days = {chat: [at.date().isoformat() for at in times] for chat, times in local.items()}
    twice = sum(len(d) - len(set(d)) for d in days.values())
    print(f"\nkills={kills} digests={len(seen)} duplicates={twice} days={days}")
    assert sorted(set(days[TOKYO])) == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert sorted(set(days[LOS_ANGELES])) == ["2026-03-07", "2026-03-08", "2026-03-09"]
    for times in local.values():  # at 09:00, or the minute after when a kill held it up
        assert all(at.hour == 9 and at.minute <= 5 for at in times), times
    assert twice <= 1  # only a kill inside one sendMessage call can repeat a digest
