"""Runs one download's child process and turns its JSON lines into events.

The child is started in its own session so a signal reaches it and anything it started
(ffmpeg); a cancelled job (``/queue`` → Cancel, shutdown) or a timeout stops it with
SIGTERM, then SIGKILL after a grace period. It also dies with us on ``kill -9``
(``PR_SET_PDEATHSIG`` in the child).

Starting a child and importing yt-dlp and gallery-dl costs over a second, as much as
downloading a few hundred megabytes on a fast line. ``ChildPool`` therefore keeps a
spare child that has done its imports and waits for its spec; a job takes it and a new
spare starts behind it. Each child still serves exactly one download, so the isolation
above holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from pydantic import ValidationError

from concierge.skills.grab.protocol import ChildSpec, Event, Reason

log = structlog.get_logger(__name__)

CHILD_MODULE = "concierge.skills.grab.child"
STOP_GRACE = 3.0
STDERR_KEPT = 4000  # characters of the child's stderr kept for the log

OnEvent = Callable[[Event], Awaitable[None]]


@dataclass(slots=True)
class ChildResult:
    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, kind)
    tool: str | None = None
    error: Reason | None = None
    detail: str = ""


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, STOP_GRACE)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), wait)
            return
        except TimeoutError:
            continue


async def _drain(stream: asyncio.StreamReader, keep: list[str]) -> None:
    while line := await stream.readline():
        keep.append(line.decode(errors="replace"))
        while sum(map(len, keep)) > STDERR_KEPT:
            keep.pop(0)


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        CHILD_MODULE,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )


class ChildPool:
    """Up to ``spares`` children started ahead, imports done, each used for one download.

    The first ``take`` starts the spares (a bot that never downloads keeps none);
    ``aclose`` stops them. A spare that died meanwhile is replaced by a cold start.
    """

    def __init__(self, spares: int = 1) -> None:
        self._want = max(0, spares)
        self._spares: list[asyncio.subprocess.Process] = []
        self._starting: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def spare_pids(self) -> tuple[int, ...]:
        """The warm spares waiting for a download."""
        return tuple(p.pid for p in self._spares if p.returncode is None)

    async def take(self) -> asyncio.subprocess.Process:
        proc: asyncio.subprocess.Process | None = None
        while self._spares and proc is None:
            candidate = self._spares.pop(0)
            if candidate.returncode is None:
                proc = candidate
        self._refill()
        return proc if proc is not None else await _spawn()

    def _refill(self) -> None:
        while not self._closed and len(self._spares) + len(self._starting) < self._want:
            task = asyncio.get_running_loop().create_task(self._start_spare())
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    async def _start_spare(self) -> None:
        try:
            proc = await _spawn("--spare")
        except OSError as exc:
            log.warning("grab_spare_failed", reason=str(exc))
            return
        if self._closed:
            await _stop(proc)
        else:
            self._spares.append(proc)

    async def aclose(self) -> None:
        self._closed = True
        for task in list(self._starting):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task
        spares, self._spares = self._spares, []
        for proc in spares:
            if proc.stdin is not None:
                proc.stdin.close()  # end of input: a spare exits by itself
            await _stop(proc)


async def run_child(
    spec: ChildSpec, on_event: OnEvent, *, timeout: float, pool: ChildPool | None = None
) -> ChildResult:
    """Download ``spec.url`` in a child process; cancellation stops the child first."""
    proc = await (pool.take() if pool is not None else _spawn())
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    result = ChildResult()
    stderr: list[str] = []
    drain = asyncio.create_task(_drain(proc.stderr, stderr))
    try:
        proc.stdin.write(spec.model_dump_json().encode())
        await proc.stdin.drain()
        proc.stdin.close()
        async with asyncio.timeout(timeout):
            while raw := await proc.stdout.readline():
                try:
                    event = Event.parse(raw.decode())
                except (ValidationError, UnicodeDecodeError):
                    log.warning("grab_child_bad_line", line=raw[:200])
                    continue
                if event.type == "route":
                    result.tool = event.tool
                elif event.type == "file" and event.path:
                    result.files.append((Path(event.path), event.kind or "document"))
                elif event.type == "error":
                    result.error = event.reason or Reason.FAILED
                    result.detail = event.detail or ""
                await on_event(event)
            await proc.wait()
    except TimeoutError:
        result.error, result.detail = Reason.TIMEOUT, f"no result after {timeout:.0f} s"
    finally:
        await _stop(proc)
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await drain
    if result.error is None and (proc.returncode != 0 or not result.files):
        result.error = Reason.FAILED
        result.detail = f"child exited {proc.returncode}: {''.join(stderr)[-500:]}"
    if result.error is not None and result.error is not Reason.TIMEOUT:
        log.info("grab_child_stderr", tail="".join(stderr)[-1500:])
    return result
