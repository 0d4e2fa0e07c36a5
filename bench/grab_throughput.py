"""Link-download throughput: one big local file through the whole grab queue vs curl.

A ~200 MB MP4 (a real little clip padded to size) is served from loopback by a plain
threaded HTTP server. Concierge takes the link like a user's message: the dispatcher,
the URL guard, the queue (embedded engine on SQLite), a child process running yt-dlp,
the content check, the cache, and delivery to a recording front-end. The baseline is
``curl -o`` of the same URL to disk, in the same run. Then five links at once vs five
curls at once. Prints seconds, MB/s and the ratios (goal: ≥ 0.9× curl for one file).

The bot is measured warm, as it runs after its first link: a small clip goes through
first, which builds yt-dlp's extractor list in the bot and leaves a spare child with
its imports done (``GRAB_SPARE_CHILDREN``). ``--cold`` measures with no spare.

Usage: uv run python bench/grab_throughput.py [--mb 200]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import shutil
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import structlog

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from concierge.skills.grab.models import GrabRow  # noqa: E402
from tests.skills.grab.conftest import make_clip  # noqa: E402
from tests.skills.grab.support import attach, say  # noqa: E402
from tests.support.app import running_app  # noqa: E402

MB = 1024 * 1024
OWNER = 1


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        return None


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return None  # yt-dlp closes its first look at the page early: not an error


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def big_file(folder: Path, megabytes: int) -> Path:
    path = make_clip(folder / "big.mp4")
    with path.open("ab") as out:  # padding after the last box: still an MP4 by content
        chunk = b"\0" * MB
        while path.stat().st_size < megabytes * MB:
            out.write(chunk)
    return path


async def curl(urls: list[str], folder: Path) -> float:
    started = time.perf_counter()
    procs = [
        await asyncio.create_subprocess_exec(
            "curl", "-s", "-f", "-o", str(folder / f"curl{n}.mp4"), url
        )
        for n, url in enumerate(urls)
    ]
    for proc in procs:
        assert await proc.wait() == 0
    return time.perf_counter() - started


async def _finished(app: Any, count: int) -> None:
    while True:
        async with app.db.session() as s:
            done = await s.scalar(
                select(func.count()).where(GrabRow.status.in_(("done", "failed")))
            )
        if done == count:
            return
        await asyncio.sleep(0.02)


async def grab(urls: list[str], work: Path, *, spares: int = 1) -> float:
    warm_up = urls[0].rsplit("/", 1)[0] + "/small.mp4"
    settings = {
        "access_mode": "open",
        "jobs_concurrency": 8,
        "telegram_upload_limit_mb": 4000,
        "grab_max_file_mb": 4000,
        "grab_storage_mb": 100_000,
        "log_level": "WARNING",
        "grab_spare_children": spares,
    }
    async with running_app(work, **settings) as app:
        chats = attach(app)
        await app.jobs.start()
        await say(app, chats, OWNER, warm_up)
        await _finished(app, 1)
        await asyncio.sleep(2.0 if spares else 0)  # the spare child finishes its imports
        started = time.perf_counter()
        for url in urls:
            await say(app, chats, OWNER, url)
        await _finished(app, 1 + len(urls))
        elapsed = time.perf_counter() - started
        await app.jobs.stop()
        files = chats.files(OWNER)
        assert len(files) == 1 + len(urls), chats.texts(OWNER)
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument(
        "--cold", action="store_true", help="no spare child (GRAB_SPARE_CHILDREN=0)"
    )
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    if shutil.which("curl") is None or shutil.which("ffmpeg") is None:
        sys.exit("needs curl and ffmpeg")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "site").mkdir()
        size = big_file(root / "site", args.mb).stat().st_size
        make_clip(root / "site" / "small.mp4")
        spares = 0 if args.cold else 1
        server, base = serve(root / "site")
        try:
            one = [f"{base}/big.mp4"]
            five = [f"{base}/big.mp4?copy={n}" for n in range(5)]
            curl_one = await curl(one, root)
            grab_one = await grab(one, root / "one", spares=spares)
            curl_five = await curl(five, root)
            grab_five = await grab(five, root / "five", spares=spares)
        finally:
            server.shutdown()
    mb = size / MB
    rows = [
        ("1 file", curl_one, grab_one, mb),
        ("5 at once", curl_five, grab_five, 5 * mb),
    ]
    print(f"grab throughput, {mb:.0f} MB file on loopback")
    print(
        f"{'case':<10} {'curl s':>8} {'grab s':>8} {'curl MB/s':>10} {'grab MB/s':>10} {'ratio':>6}"
    )
    for name, c, g, total in rows:
        print(f"{name:<10} {c:8.2f} {g:8.2f} {total / c:10.1f} {total / g:10.1f} {c / g:6.2f}")
    figures = {"curl_one": curl_one, "grab_one": grab_one, "curl_five": curl_five}
    print("BENCH " + json.dumps({**figures, "grab_five": grab_five, "mb": mb}))


if __name__ == "__main__":
    asyncio.run(main())
