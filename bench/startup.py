"""Start-up cost (issue 15, P7): `concierge chat` until ready, idle RSS of `concierge serve`.

``chat``: wall time of ``python -m concierge chat`` reading an empty stdin (start-up,
ready for input, end of input, clean exit), against a bare ``python -c pass`` in the
same run; plus the slowest top-level imports from ``-X importtime``.
``serve``: resident memory of ``python -m concierge serve`` with Telegram (a fake Bot
API on loopback) and every skill, once it is polling and idle, against a bare
interpreter that imported python-telegram-bot. Both in fresh data dirs on SQLite.
Bytecode is cached under the temp dir (``PYTHONPYCACHEPREFIX``; the first run compiles),
as an installed app has it, even where ``PYTHONDONTWRITEBYTECODE`` is set.

Prints the figures and a last ``BENCH {json}`` line for ``bench/run_all.py``.
Usage: uv run python bench/startup.py
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

IDLE_SECONDS = 3.0


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(data_dir.parent / "pycache"),
        CONCIERGE_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'c.db'}",
        LLM_PROVIDER="offline",
        LOG_LEVEL="WARNING",
        HTTP_PORT="0",
        ACCESS_MODE="open",
        **extra,
    )
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("OPENAI_API_KEY", None)
    return env


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True)
    return time.perf_counter() - started


def slowest_imports(env: dict[str, str], top: int = 6) -> list[tuple[str, float]]:
    """Top-level packages by cumulative import time of `concierge chat`."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "concierge", "chat"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = {}
    for line in run.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        name = fields[2].removeprefix(" ")
        if not name.startswith(" "):  # nesting is shown by indentation: top level only
            root = name.split(".")[0]
            totals[root] = totals.get(root, 0.0) + int(fields[1]) / 1e6
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def idle_rss(args: list[str], env: dict[str, str], fake: FakeTelegram | None) -> float:
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        if fake is not None:
            await fake.wait_for(
                lambda: bool(fake.calls_to("getUpdates")), seconds=60, what="serve polling"
            )
        await asyncio.sleep(IDLE_SECONDS)
        if proc.returncode is not None:
            assert proc.stderr is not None
            raise RuntimeError(f"exited early: {(await proc.stderr.read()).decode()[-2000:]}")
        return rss_mb(proc.pid)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()


def chat_figures(env: dict[str, str]) -> tuple[float, float, list[tuple[str, float]]]:
    """(chat seconds, bare python seconds, slowest imports), best of three each."""
    upgrade = [sys.executable, "-m", "concierge", "db", "upgrade"]
    subprocess.run(upgrade, env=env, check=True, capture_output=True)
    bare = min(timed([sys.executable, "-c", "pass"], env) for _ in range(3))
    chat = min(timed([sys.executable, "-m", "concierge", "chat"], env) for _ in range(3))
    return chat, bare, slowest_imports(env)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = _env(root / "chat")
        chat, bare, imports = chat_figures(env)
        fake = FakeTelegram().start()
        try:
            serve_env = _env(
                root / "serve",
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=fake.base_url,
            )
            serve = await idle_rss([sys.executable, "-m", "concierge", "serve"], serve_env, fake)
        finally:
            fake.stop()
        baseline = await idle_rss(
            [sys.executable, "-c", "import telegram.ext, time; time.sleep(60)"], env, None
        )
    print(f"concierge chat, start to exit on empty input: {chat:.2f} s (bare python {bare:.2f} s)")
    print("slowest imports: " + ", ".join(f"{name} {sec:.2f} s" for name, sec in imports))
    print(f"concierge serve idle RSS: {serve:.0f} MB (python + telegram.ext: {baseline:.0f} MB)")
    figures = {"chat": chat, "bare": bare, "serve_rss": serve, "rss_baseline": baseline}
    print("BENCH " + json.dumps({**figures, "imports": imports}))


if __name__ == "__main__":
    asyncio.run(main())
