"""Seconds to transcribe 30 s of speech with the packaged Whisper base model on 2 threads.

30 s of English is spoken by espeak-ng, encoded as OGG/Opus like a Telegram voice note
and converted by the voice service's ffmpeg step. A fresh child process then measures:
cold (joining/verifying the model folder, loading it, the first transcription), warm
(the median of three more), the real-time factor (seconds per audio second), the ratio of
audio length to transcription time and the child's peak RSS. The same-run baseline is
faster-whisper's defaults (beam 5, no VAD, conditioned on the previous text), what a
plain integration would cost on the same audio and machine. The goal is ≤ 3 s warm.

Run: uv run python bench/transcribe.py
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from concierge.adapters.stt_local import LocalWhisper  # noqa: E402
from concierge.services.voice import AudioWorkshop, VoiceLimits  # noqa: E402

THREADS = 2
OPUS = ("-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-ac", "1")  # like Telegram
TEXT = (
    "Good evening. Today I finished the quarterly report for the marketing team and sent it to "
    "my manager before lunch. In the afternoon I walked to the park with my sister and we talked "
    "about our plans for the summer holiday. We want to visit the mountains in July and maybe "
    "the sea in August. Tomorrow I want to find a good science fiction movie in high quality "
    "and watch it with my friends on Saturday evening after dinner."
)


def speech(folder: Path) -> Path:
    wav, ogg = folder / "speech.wav", folder / "speech.ogg"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), TEXT], check=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-t", "30", *OPUS, str(ogg)],
        check=True,
    )
    return ogg


async def convert(data: bytes, folder: Path) -> tuple[Path, float, float]:
    """(16 kHz WAV, audio seconds, conversion seconds) through the voice service."""
    workshop = AudioWorkshop(folder / "tmp", VoiceLimits(min_free_bytes=0))
    started = time.perf_counter()
    base = folder / "bench"
    wav, probe = await workshop.prepare(data, base)
    return wav, probe.seconds, time.perf_counter() - started


def child(wav: Path, seconds: float, data_dir: Path) -> None:
    """Cold then warm in this fresh process; prints one JSON line."""
    whisper = LocalWhisper(None, data_dir=data_dir, threads=THREADS, beam_size=1)

    async def once() -> tuple[float, str]:
        started = time.perf_counter()
        result = await whisper.transcribe(wav, audio_seconds=seconds, hint="en")
        return time.perf_counter() - started, result.text

    cold, text = asyncio.run(once())
    warm: list[float] = []
    cpu: list[float] = []
    for _ in range(3):
        cpu_before = time.process_time()
        warm.append(asyncio.run(once())[0])
        cpu.append(time.process_time() - cpu_before)
    model = whisper.load()
    started = time.perf_counter()
    segments, _ = model.transcribe(str(wav), language="en")  # faster-whisper's defaults
    " ".join(s.text for s in segments)
    baseline = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"cold": cold, "warm": warm, "cpu": cpu, "baseline": baseline, "rss": rss_mb}
    print(json.dumps({**figures, "text": text}))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4]))
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        wav, seconds, conversion = asyncio.run(convert(speech(folder).read_bytes(), folder))
        data_dir = folder / "data"  # empty: the cold run joins and verifies the model too
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(wav), str(seconds), str(data_dir)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
    warm = statistics.median(figures["warm"])
    print(f"audio: {seconds:.1f} s of espeak-ng English, OGG/Opus → WAV in {conversion:.2f} s")
    print(f"cpu: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, {THREADS} threads")
    print(f"cold (join + verify + load + first): {figures['cold']:.2f} s")
    print(
        f"warm (median of 3): {warm:.2f} s  (runs: {', '.join(f'{w:.2f}' for w in figures['warm'])})"
    )
    print(
        f"real-time factor warm: {warm / seconds:.3f}  ({seconds / warm:.1f}x faster than real time)"
    )
    print(
        f"ratio transcription/audio: warm {warm / seconds:.1%}, cold {figures['cold'] / seconds:.1%}"
    )
    print(
        f"baseline (faster-whisper defaults: beam 5, no VAD): {figures['baseline']:.2f} s "
        f"= {figures['baseline'] / warm:.2f}x ours"
    )
    cpu = statistics.median(figures["cpu"])
    print(
        f"CPU time per warm run: {cpu:.2f} s; on {THREADS} otherwise idle cores ≈ "
        f"{cpu / THREADS:.2f} s wall (the wall figures include other processes' load)"
    )
    print(f"peak RSS: {figures['rss']:.0f} MB")
    print(
        f"goal ≤ 3 s warm: {'met' if warm <= 3 else 'NOT met'} (wall), "
        f"{'met' if cpu / THREADS <= 3 else 'NOT met'} (CPU ÷ threads)"
    )
    print(f"heard: {figures['text'][:120]}…")


if __name__ == "__main__":
    main()
