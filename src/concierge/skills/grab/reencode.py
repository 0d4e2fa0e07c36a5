"""Fit a video over the platform's upload limit by re-encoding it with ffmpeg.

Only when the bitrate that fits stays watchable (``min_video_kbps``); otherwise the
caller offers a download link. The input is a file in the job's folder, so ffmpeg reads
nothing from the network (``-protocol_whitelist file``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

AUDIO_KBPS = 96
HEADROOM = 0.90  # container overhead and rate-control overshoot


async def _run(args: list[str], timeout: float) -> tuple[int, bytes]:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    if proc.returncode:
        log.warning("ffmpeg_failed", tool=args[0], code=proc.returncode, tail=err[-500:])
    return proc.returncode or 0, out


async def duration(path: Path, timeout: float = 60) -> float | None:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    code, out = await _run(
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        timeout,
    )
    try:
        return float(json.loads(out)["format"]["duration"]) if code == 0 else None
    except (ValueError, KeyError, TypeError):
        return None


def target_kbps(limit_bytes: int, seconds: float) -> int:
    """The video bitrate that keeps the whole file under ``limit_bytes``."""
    total = limit_bytes * 8 * HEADROOM / max(seconds, 1.0) / 1000
    return int(total - AUDIO_KBPS)


async def fit(
    source: Path, limit_bytes: int, *, min_video_kbps: int, timeout: float
) -> Path | None:
    """A re-encoded copy under ``limit_bytes`` next to ``source``, or None if not sensible."""
    ffmpeg = shutil.which("ffmpeg")
    seconds = await duration(source)
    if ffmpeg is None or seconds is None:
        return None
    kbps = target_kbps(limit_bytes, seconds)
    if kbps < min_video_kbps:
        log.info("grab_reencode_skipped", kbps=kbps, minimum=min_video_kbps)
        return None
    target = source.with_name(f"{source.stem}.fit.mp4")
    args = [
        ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-protocol_whitelist", "file",
        "-i", str(source), "-c:v", "libx264", "-preset", "veryfast",
        "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps * 2}k",
        "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-movflags", "+faststart", str(target),
    ]  # fmt: skip
    code, _ = await _run(args, timeout)
    if code != 0 or not target.is_file() or target.stat().st_size > limit_bytes:
        target.unlink(missing_ok=True)
        return None
    return target
