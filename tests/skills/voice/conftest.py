"""Voice tests: speech made with espeak-ng, encoded like Telegram voice notes, through the
fake Bot API into the real Telegram front-end, the real ffmpeg and (where it matters)
the real packaged Whisper model, loaded once for the whole session.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from concierge.adapters.stt_local import LocalWhisper
from concierge.bootstrap import App, build_app
from concierge.core.clock import SYSTEM_CLOCK
from concierge.core.metrics import Metrics
from concierge.core.skill import Skill
from concierge.services.transcriber import Transcriber, Transcript, TranscriptionFailed
from concierge.services.voice import AudioWorkshop, VoiceLimits
from concierge.skills.voice.models import TranscriptionLog
from concierge.skills.voice.service import VoiceProcessor
from concierge.storage.db import Database
from tests.frontends.telegram.conftest import (
    OWNER,
    fake,  # noqa: F401  # the fake Bot API fixture
)
from tests.skills.grab.conftest import telegram_running as telegram_running  # app + jobs
from tests.support.app import test_settings

MB = 1024 * 1024
ENGLISH = (
    "Good evening. Today I finished the quarterly report for the marketing team and sent it "
    "to my manager before lunch. In the afternoon I walked to the park with my sister and we "
    "talked about our plans for the summer holiday. We want to visit the mountains in July. "
    "Tomorrow I want to find a good science fiction movie and watch it with my friends."
)
RUSSIAN = "Привет! Сегодня был хороший день. Я гулял в парке и читал книгу."

needs_tools = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("espeak-ng")),
    reason="ffmpeg and espeak-ng are installed by scripts/install-test-daemons.sh",
)


def audio_seconds(path: Path) -> float:
    """The recording's length as ffprobe reads it from the container."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return float(out.strip())


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _encode(wav: Path, ogg: Path) -> Path:
    run(
        *("ffmpeg", "-loglevel", "error", "-y", "-i", str(wav)),
        *("-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-ac", "1", str(ogg)),
    )
    return ogg


@dataclass(frozen=True)
class Samples:
    english: Path
    russian: Path
    half_hour: Path


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    if not (shutil.which("ffmpeg") and shutil.which("espeak-ng")):
        pytest.skip("ffmpeg and espeak-ng are installed by scripts/install-test-daemons.sh")
    folder = tmp_path_factory.mktemp("speech")
    long = folder / "half-hour.ogg"
    run(  # 30 minutes of a quiet tone at 6 kb/s: ~1.4 MB, made in a second
        *("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi"),
        *("-i", "sine=frequency=220:sample_rate=16000:duration=1800"),
        *("-c:a", "libopus", "-b:a", "6k", str(long)),
    )
    return Samples(
        english=_encode_speech(folder, "english", ENGLISH, "en-us", 150),
        russian=_encode_speech(folder, "russian", RUSSIAN, "ru", 120),
        half_hour=long,
    )


def _encode_speech(folder: Path, name: str, text: str, voice: str, rate: int) -> Path:
    wav = folder / f"{name}.wav"
    run("espeak-ng", "-v", voice, "-s", str(rate), "-w", str(wav), text)
    return _encode(wav, folder / f"{name}.ogg")


@pytest.fixture(scope="session")
def whisper(tmp_path_factory: pytest.TempPathFactory) -> LocalWhisper:
    """The packaged base model, joined and verified into a data dir once per session."""
    model = LocalWhisper(None, data_dir=tmp_path_factory.mktemp("data"), threads=2)
    model.load()
    return model


@dataclass
class Recorder:
    """A stand-in transcriber: proves what (if anything) reached speech recognition."""

    text: str = "find Dune in 4K"
    name: str = "local"
    model_name: str = "recorder"
    calls: list[float] = field(default_factory=list)
    gate: Any = None  # an asyncio.Event holding it "transcribing" until set
    started: Any = None
    stopped: bool = False  # it was cancelled while "transcribing"
    cost: float = 0.0  # what the transcription costs (an API's price)
    fail: str | None = None  # the catalogue key of a failure to raise instead

    def estimate(self, audio_seconds: float) -> float:
        return audio_seconds / 10

    async def transcribe(self, wav: Path, *, audio_seconds: float, hint: str | None) -> Transcript:
        self.calls.append(audio_seconds)
        assert os.path.getsize(wav) > 44  # noqa: ASYNC240  # a test double
        if self.started is not None:
            self.started.set()
        if self.gate is not None:
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.stopped = True
                raise
        if self.fail is not None:
            raise TranscriptionFailed(self.fail)
        return Transcript(self.text, "en", audio_seconds, cost=self.cost, model=self.model_name)


@dataclass
class VoiceKit:
    skill: Skill
    processor: VoiceProcessor
    workshop: AudioWorkshop
    metrics: Metrics
    usage: TranscriptionLog


def voice_kit(db: Database, temp: Path, transcriber: Transcriber | None, **limits: Any) -> VoiceKit:
    workshop = AudioWorkshop(temp, VoiceLimits(**limits))
    metrics = Metrics()
    usage = TranscriptionLog(db, SYSTEM_CLOCK)
    processor = VoiceProcessor(
        workshop=workshop, transcriber=transcriber, usage=usage, metrics=metrics
    )
    return VoiceKit(
        Skill(name="voice", processors=[processor]), processor, workshop, metrics, usage
    )


def voice(file_id: str, path_or_size: Path | int, duration: int) -> dict[str, Any]:
    """A Telegram ``Voice`` object (the Bot API always gives its duration)."""
    size = path_or_size if isinstance(path_or_size, int) else path_or_size.stat().st_size
    note: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "mime_type": "audio/ogg",
        "file_size": size,
        "duration": duration,
    }
    return note


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "voice-tmp"
    yield folder
    leftovers = list(folder.glob("*")) if folder.exists() else []
    assert leftovers == [], f"temporary audio left behind: {leftovers}"


# --- the whole application: voice notes as jobs -------------------------------------


@dataclass
class VoiceApp:
    app: App
    processor: VoiceProcessor

    def use(self, transcriber: Transcriber) -> None:
        """Hear notes with ``transcriber`` (the session's Whisper, or a stand-in)."""
        self.processor.work.transcriber = transcriber


@asynccontextmanager
async def voice_app(tmp_path: Path, **overrides: Any) -> AsyncIterator[VoiceApp]:
    """The real application (bootstrap) with its jobs running; Telegram runs separately."""
    settings = test_settings(
        tmp_path, owner_ids=[f"telegram:{OWNER}"], jobs_concurrency=4, **overrides
    )
    app = await build_app(settings)
    processor = next(p for p in app.registry.processors if isinstance(p, VoiceProcessor))
    try:
        yield VoiceApp(app, processor)
    finally:
        await app.close()
