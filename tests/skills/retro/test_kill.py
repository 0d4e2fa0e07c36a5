"""`kill -9` of the real bot (`concierge chat`) after step 3: the retro resumes at step 4.

The same run shows the answers are the user's: the bot's logs (at DEBUG) never hold them.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

WAIT = 60.0


class Bot:
    """One `concierge chat` process; its output lines are read as they come."""

    def __init__(self, data: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
        env.update(
            LANG="en_US.UTF-8", CONCIERGE_DATA_DIR=str(data), LOG_FORMAT="json", LOG_LEVEL="DEBUG"
        )
        self.log = (data / "stderr.log").open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "concierge", "chat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
            cwd=data,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def say(self, text: str, then: str) -> str:
        """Send one line and wait until a printed line contains ``then``."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if then in line:
                return line
        raise AssertionError(f"no {then!r} after {text!r}; saw {self.seen[-10:]}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def test_kill_9_after_step_3_resumes_at_step_4_with_every_answer_kept(tmp_path: Path) -> None:
    first = Bot(tmp_path)
    try:
        first.say("/retro", then="1/6")
        first.say("4", then="2/6")  # button [4]: mood 4
        first.say("uh shipped the the search feature", then="3/6")
        first.say("the flaky test again", then="4/6")
    finally:
        first.kill()  # no shutdown, no flush: SIGKILL
    assert first.proc.returncode == -signal.SIGKILL
    second = Bot(tmp_path)
    try:
        second.say("small steps are faster", then="5/6")  # the stored flow: step 4 answers
        second.say("my colleagues", then="6/6")
        second.say("write the docs", then="saved. Streak: 1 day(s)")
    finally:
        second.close()
    with sqlite3.connect(tmp_path / "concierge.db") as db:
        rows = db.execute("SELECT step, raw, cleaned FROM retro_answers ORDER BY id").fetchall()
        status = db.execute("SELECT status, mood FROM retros").fetchall()
    assert status == [("done", 4)]
    logs = (tmp_path / "stderr.log").read_text()
    assert "retro_answered" in logs  # the logs were captured…
    for _step, raw, cleaned in rows[1:]:
        assert raw not in logs and cleaned not in logs  # …and hold no answer
    assert rows == [
        ("mood", "4", "4"),
        ("went_well", "uh shipped the the search feature", "Shipped the search feature."),
        ("went_wrong", "the flaky test again", "The flaky test again."),
        ("learned", "small steps are faster", "Small steps are faster."),
        ("grateful", "my colleagues", "My colleagues."),
        ("focus", "write the docs", "Write the docs."),
    ]
