"""Audio a user sent → a 16 kHz mono WAV a transcriber can read, or a clear reason why not.

Everything is checked before work is spent: the size and duration Telegram reports,
free disk space, then ``ffprobe`` on the bytes (is there really an audio stream, how
long is it). ``ffmpeg`` runs as an async subprocess with a timeout and is killed when
it runs over; its stderr becomes a reason the user can read. Temporary files get
unique names in one folder and are removed in every case; ``sweep`` removes what a
killed process left behind (run by the voice skill's periodic job).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import structlog

from concierge.core.inbound import ProcessingFailed

log = structlog.get_logger(__name__)

MB = 1024 * 1024
SAMPLE_RATE = 16_000
PROBE_TIMEOUT = 10.0  # seconds; ffprobe reads headers only
PROBE_ARGS = ("-show_format", "-show_streams")
TEMP_PREFIX = "voice-"

# ffmpeg/ffprobe stderr fragments → the catalogue key explaining them
_REASONS: tuple[tuple[str, str], ...] = (
    ("no space left", "voice.disk_full"),
    ("invalid data found", "voice.broken"),
    ("could not find codec parameters", "voice.broken"),
    ("error while decoding", "voice.broken"),
    ("corrupt", "voice.broken"),
    ("truncat", "voice.broken"),
    ("end of file", "voice.broken"),
    ("does not contain any stream", "voice.not_audio"),
    ("matches no streams", "voice.not_audio"),
    ("decoder", "voice.unsupported"),
    ("unknown format", "voice.unsupported"),
)


@dataclass(frozen=True, slots=True)
class VoiceLimits:
    max_bytes: int = 25 * MB
    max_seconds: int = 600
    ffmpeg_timeout: float = 30.0
    min_free_bytes: int = 200 * MB
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"


@dataclass(frozen=True, slots=True)
class Probe:
    """What ffprobe found: the audio codec, the container and the length in seconds."""

    codec: str
    container: str
    seconds: float


# how audio and video containers begin: (offset, bytes)
_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (0, b"OggS"),
    (0, b"ID3"),
    (0, b"RIFF"),
    (0, b"fLaC"),
    (0, b"\x1aE\xdf\xa3"),  # Matroska / WebM
    (4, b"ftyp"),  # MP4, M4A, MOV
    (0, b"#!AMR"),
    (0, b"\xff\xf1"),  # AAC ADTS
    (0, b"\xff\xf9"),
    (0, b"\xff\xfb"),  # MPEG audio frames
    (0, b"\xff\xf3"),
    (0, b"\xff\xf2"),
)


def has_media_signature(data: bytes) -> bool:
    """Whether ``data`` starts like a media container (so a failure means it is damaged)."""
    return any(data[offset : offset + len(magic)] == magic for offset, magic in _SIGNATURES)


def reason_from_stderr(stderr: str) -> str:
    """The catalogue key for what ffmpeg or ffprobe complained about."""
    lowered = stderr.lower()
    for fragment, key in _REASONS:
        if fragment in lowered:
            return key
    return "voice.broken"


def last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


class AudioWorkshop:
    """Checks and converts audio in its own temporary folder; the only ffmpeg caller."""

    def __init__(self, temp_dir: Path, limits: VoiceLimits) -> None:
        self.temp_dir = temp_dir
        self.limits = limits

    def check_declared(self, size: int | None, seconds: int | None) -> None:
        """Refuse from what the platform says, before anything is downloaded."""
        if size is not None and size > self.limits.max_bytes:
            raise ProcessingFailed(
                "voice.too_big", size=round(size / MB, 1), limit=self.limits.max_bytes // MB
            )
        if seconds is not None and seconds > self.limits.max_seconds:
            self._too_long(seconds)

    def check_disk(self) -> None:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self.temp_dir).free
        if free < self.limits.min_free_bytes:
            log.error(
                "voice_disk_low", free_mb=free // MB, needed_mb=self.limits.min_free_bytes // MB
            )
            raise ProcessingFailed("voice.disk_full")

    def _too_long(self, seconds: float) -> None:
        raise ProcessingFailed(
            "voice.too_long",
            minutes=round(seconds / 60, 1),
            limit=round(self.limits.max_seconds / 60, 1),
        )

    @asynccontextmanager
    async def workspace(self) -> AsyncIterator[Path]:
        """A unique name prefix in the temp folder; every file under it is removed after."""
        self.check_disk()
        base = self.temp_dir / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            yield base
        finally:
            for leftover in self.temp_dir.glob(f"{base.name}*"):
                with suppress(FileNotFoundError):
                    leftover.unlink()

    async def prepare(self, data: bytes, base: Path) -> tuple[Path, Probe]:
        """Write ``data``, check it is audio within the limits, convert it: (wav, probe)."""
        if len(data) > self.limits.max_bytes:
            self.check_declared(len(data), None)
        if not data:
            raise ProcessingFailed("voice.broken")
        source = base.with_suffix(".in")
        await asyncio.to_thread(source.write_bytes, data)
        try:
            probe = await self.probe(source)
        except ProcessingFailed as exc:
            if exc.key == "voice.broken" and not has_media_signature(data):
                raise ProcessingFailed("voice.not_audio") from exc  # text, a PDF, … renamed
            raise
        if probe.seconds > self.limits.max_seconds:
            self._too_long(probe.seconds)
        wav = base.with_suffix(".wav")
        await self.convert(source, wav)
        return wav, probe

    async def probe(self, path: Path) -> Probe:
        """ffprobe's view of ``path``; refuses files with no audio stream (text, images)."""
        code, out, err = await self._run(
            [self.limits.ffprobe, "-v", "error", "-print_format", "json", *PROBE_ARGS, str(path)],
            PROBE_TIMEOUT,
            "ffprobe",
        )
        if code != 0:
            log.info("voice_probe_refused", reason=last_line(err))
            raise ProcessingFailed(reason_from_stderr(err))
        try:
            found = json.loads(out or "{}")
        except ValueError as exc:
            raise ProcessingFailed("voice.broken") from exc
        audio = [s for s in found.get("streams", []) if s.get("codec_type") == "audio"]
        if not audio:
            log.info("voice_not_audio", container=found.get("format", {}).get("format_name"))
            raise ProcessingFailed("voice.not_audio")
        container = str(found.get("format", {}).get("format_name", ""))
        seconds = _seconds(found.get("format", {}).get("duration")) or _seconds(
            audio[0].get("duration")
        )
        return Probe(str(audio[0].get("codec_name", "")), container, seconds or 0.0)

    async def convert(self, source: Path, target: Path) -> None:
        """``source`` → 16 kHz mono 16-bit WAV at ``target`` (killed after the timeout)."""
        command = [self.limits.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error"]
        command += ["-y", "-i", str(source), "-vn", "-map", "0:a:0", "-ac", "1"]
        command += ["-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "wav", str(target)]
        code, _out, err = await self._run(command, self.limits.ffmpeg_timeout, "ffmpeg")
        if code != 0 or _size(target) <= 44:  # a bare WAV header: nothing was decoded
            reason = reason_from_stderr(err)
            log.info("voice_convert_failed", code=code, reason=reason, detail=last_line(err))
            raise ProcessingFailed(reason)

    async def _run(self, command: list[str], timeout: float, tool: str) -> tuple[int, str, str]:
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            log.error("voice_tool_missing", tool=tool, path=command[0])
            raise ProcessingFailed("voice.unavailable") from exc
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            log.warning("voice_tool_timeout", tool=tool, seconds=timeout)
            raise ProcessingFailed("voice.convert_timeout", seconds=round(timeout)) from None
        finally:
            if process.returncode is None:  # timed out or cancelled: never leave it running
                with suppress(ProcessLookupError):
                    process.kill()
                with suppress(ProcessLookupError):
                    await process.wait()
        return process.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")

    def sweep(self, older_than_seconds: float) -> int:
        """Remove temporary files older than ``older_than_seconds`` (left by a crash)."""
        if not self.temp_dir.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.temp_dir.glob(f"{TEMP_PREFIX}*"):
            with suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed


def _seconds(value: object) -> float | None:
    try:
        seconds = float(str(value))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
