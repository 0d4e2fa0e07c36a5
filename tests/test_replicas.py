"""Two `concierge serve` replicas on one database: exactly one polls Telegram.

Telegram gives a bot one long-poll stream; a second poller gets 409 Conflict. The real
bot runs twice as subprocesses against the fake Bot API; the lease lets one poll while
the other only sends. `kill -9` of the poller moves polling to the other within 30 s,
and it answers the next message.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx

from tests.daemons import free_port
from tests.support.bot_process import bot_process, until
from tests.support.fake_telegram import FakeTelegram

OWNER = 1
POLLING = b'"telegram_polling_started"'


PORTS = {"first": free_port(), "second": free_port()}


def _replica(tmp_path: Path, fake: FakeTelegram, name: str) -> subprocess.Popen[bytes]:
    return bot_process(
        tmp_path, fake, name, owner=OWNER, REPLICA_ID=name, HTTP_PORT=str(PORTS[name])
    )


def _metrics(name: str) -> str:
    return httpx.get(f"http://127.0.0.1:{PORTS[name]}/metrics", timeout=5).text


def _log(tmp_path: Path, name: str) -> bytes:
    return (tmp_path / f"{name}.log").read_bytes()


async def test_one_replica_polls_and_polling_moves_when_it_is_killed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    fake = FakeTelegram().start()
    first = second = None
    try:
        first = _replica(tmp_path, fake, "first")
        await until("the first replica to poll", 60, lambda: POLLING in _log(tmp_path, "first"))
        second = _replica(tmp_path, fake, "second")
        await until(
            "the second replica to serve", 60, lambda: b'"serving"' in _log(tmp_path, "second")
        )
        fake.push(fake.text_update(OWNER, "/start"))
        await until("an answer", 30, lambda: fake.sent_texts(OWNER))
        await asyncio.sleep(1)  # a second poller, were there one, would be polling now
        assert POLLING not in _log(tmp_path, "second")
        overlapping = fake.most_pollers
        polling_lease = 'concierge_lease_held{lease="telegram.polling"}'
        assert f"{polling_lease} 1.0" in _metrics("first")
        assert f"{polling_lease} 0.0" in _metrics("second")
        assert 'concierge_replica_info{replica="second",role="all"} 1.0' in _metrics("second")
        assert "concierge_jobs_queued" in _metrics("second")
        answered = len(fake.sent_texts(OWNER))

        first.send_signal(signal.SIGKILL)
        first.wait(10)
        moved = await until("polling to move", 40, lambda: POLLING in _log(tmp_path, "second"))
        fake.push(fake.text_update(OWNER, "/help"))
        await until(
            "the answer from the second", 30, lambda: len(fake.sent_texts(OWNER)) > answered
        )
        assert f"{polling_lease} 1.0" in _metrics("second")
        print(f"\npollers at once {overlapping}; polling moved {moved:.1f} s after kill -9")
        assert overlapping == 1
        assert moved < 30
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(40)
        fake.stop()
