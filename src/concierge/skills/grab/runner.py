"""Runs one download's child process and turns its JSON lines into events.

The child is started in its own session so a signal reaches it and anything it started
(ffmpeg); a cancelled job (``/queue`` → Cancel, shutdown) or a timeout stops it with
SIGTERM, then SIGKILL after a grace period. It also dies with us on ``kill -9``
(``PR_SET_PDEATHSIG`` in the child).
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


async def run_child(spec: ChildSpec, on_event: OnEvent, *, timeout: float) -> ChildResult:
    """Download ``spec.url`` in a child process; cancellation stops the child first."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        CHILD_MODULE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
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
