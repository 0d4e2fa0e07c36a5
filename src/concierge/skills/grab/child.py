"""One download in its own process: ``python -m concierge.skills.grab.child``.

gallery-dl's configuration is process-global, a stuck download must be stoppable with
a signal, its memory bounded, and a crash must take only its own job: so each link runs
here. The spec comes on stdin; progress and the result go to stdout as JSON lines
(``protocol.Event``); everything else the libraries print goes to stderr.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import IO

from concierge.skills.grab import direct, guard, media
from concierge.skills.grab.fetchers import Failure, run_gallery, run_ytdlp
from concierge.skills.grab.protocol import ChildSpec, Event, Reason

PR_SET_PDEATHSIG = 1


class Emitter:
    """Events to the bot; progress at most twice a second."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._last = 0.0

    def __call__(self, event: Event) -> None:
        if event.type == "progress":
            now = time.monotonic()
            if now - self._last < 0.5:
                return
            self._last = now
        self._out.write(event.line())
        self._out.flush()


def _die_with_parent() -> None:
    """A bot killed with -9 must not leave its downloads running (Linux; else best effort)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent is already gone
        os._exit(1)


def _bound_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def download(spec: ChildSpec, emit: Emitter) -> list[Path]:
    tool = spec.tool
    emit(Event(type="route", tool=tool))
    if tool == "yt-dlp":
        return run_ytdlp(spec, emit, generic=False)
    if tool == "gallery-dl":
        return run_gallery(spec, emit, generic=False)
    found = direct.fetch(spec, emit)  # a link that is itself a media file
    if found is not None:
        return found
    try:
        return run_ytdlp(spec, emit, generic=True)
    except Failure as exc:
        if exc.reason not in (Reason.UNSUPPORTED, Reason.NO_MEDIA):
            raise
        first = exc
    emit(Event(type="route", tool="gallery-dl"))
    try:
        return run_gallery(spec, emit, generic=True)
    except Failure as exc:
        if exc.reason in (Reason.REFUSED, Reason.TOO_BIG, Reason.TOO_LONG, Reason.LOGIN):
            raise
        raise first from exc  # gallery-dl found nothing either: yt-dlp's answer stands


def _import_tools() -> None:
    """What a download needs, loaded before the spec comes (a spare child waits warm)."""
    import gallery_dl.job  # type: ignore[import-untyped]  # noqa: F401
    import yt_dlp  # type: ignore[import-untyped]
    import yt_dlp.extractor.generic  # type: ignore[import-untyped]
    import yt_dlp.extractor.genericembeds  # type: ignore[import-untyped]  # noqa: F401


def main() -> int:
    _die_with_parent()
    events = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints (libraries, ffmpeg) go to stderr, not into the protocol
    if "--spare" in sys.argv[1:]:
        _import_tools()
    emit = Emitter(events)
    raw = sys.stdin.read()
    if not raw.strip():
        return 0  # a spare that was never used: the bot is stopping
    spec = ChildSpec.model_validate_json(raw)
    _bound_memory(spec.memory_mb)
    guard.install(allow_private=spec.allow_private, trusted=frozenset(spec.trusted))
    folder = Path(spec.folder)
    try:
        found = download(spec, emit)
        settled = media.settle(folder, found)
        if not settled:
            raise Failure(Reason.NO_MEDIA, "nothing deliverable was downloaded")
        total = sum(path.stat().st_size for path, _ in settled)
        if total > spec.max_bytes * max(len(settled), 1):
            raise Failure(Reason.TOO_BIG, f"{total} bytes")
    except Failure as exc:
        reason = Reason.REFUSED if guard.refused else exc.reason
        emit(Event(type="error", reason=reason, detail=(exc.detail or "")[:500]))
        return 1
    except Exception as exc:  # a crash in a library: this job fails, the bot lives on
        traceback.print_exc()
        reason = Reason.REFUSED if guard.refused else Reason.FAILED
        emit(Event(type="error", reason=reason, detail=f"{type(exc).__name__}: {exc}"[:500]))
        return 1
    for path, kind in settled:
        emit(Event(type="file", path=str(path), kind=kind))
    emit(Event(type="done"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
