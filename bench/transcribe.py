"""Seconds to transcribe 30 s of speech with the packaged Whisper base model on 2 threads.

~28 s of English is spoken by espeak-ng, encoded as OGG/Opus like a Telegram voice note
and converted by the voice service's ffmpeg step. A fresh child process then measures
cold (joining/verifying the model folder, loading it, the first transcription) and, in
``--rounds`` interleaved rounds (so every configuration sees the same load on a shared
machine), each decoding configuration warm: wall seconds (median and spread), CPU
seconds ÷ threads (what an otherwise idle machine would take), and word accuracy
against the spoken text (1 − WER).

Configurations: the adapter as shipped (``LocalWhisper`` defaults: VAD first, language
read from the first window, whose encoder output is reused for decoding; greedy), the
previous configuration as the same-run baseline (language detected by a separate
encoder pass, then VAD, greedy), faster-whisper's defaults, and variants of ours (beam 5,
no timestamps, no VAD) and the batched pipeline. The goal is ≤ 3 s warm.

Run: uv run python bench/transcribe.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from concierge.adapters.stt_local import DecodeOptions, LocalWhisper  # noqa: E402
from concierge.services.transcriber import word_accuracy  # noqa: E402
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
OURS = "shipped: VAD, one encoder pass, beam 1"
PREVIOUS = "previous: detect pass + VAD, beam 1"
DEFAULTS = "faster-whisper defaults (beam 5, no VAD)"


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


def configurations(
    whisper: LocalWhisper, wav: Path, seconds: float
) -> dict[str, Callable[[], str]]:
    """Each configuration as a call returning the text heard. The baselines run on a
    plain ``WhisperModel`` (no reused window), loaded like ours."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel
    from faster_whisper.audio import decode_audio

    folder = str(whisper.model_folder())
    plain = WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=THREADS)
    audio = decode_audio(str(wav), sampling_rate=16_000)

    def ours(variant: LocalWhisper) -> Callable[[], str]:
        def run() -> str:
            result = asyncio.run(variant.transcribe(wav, audio_seconds=seconds, hint="en"))
            return result.text

        return run

    def joined(segments: Any) -> str:
        return " ".join(s.text.strip() for s in segments)

    def previous() -> str:  # what LocalWhisper did before: detection re-encodes window 1
        language, _confidence, _ = plain.detect_language(audio)
        return joined(
            plain.transcribe(
                audio,
                language=language,
                beam_size=1,
                vad_filter=True,
                condition_on_previous_text=False,
            )[0]
        )

    batched = BatchedInferencePipeline(plain)
    return {
        OURS: ours(whisper),
        PREVIOUS: previous,
        DEFAULTS: lambda: joined(plain.transcribe(audio)[0]),
        "ours + beam 5": ours(whisper.variant(DecodeOptions(beam_size=5))),
        "ours + without_timestamps": ours(whisper.variant(DecodeOptions(without_timestamps=True))),
        "ours without VAD": ours(whisper.variant(DecodeOptions(vad_filter=False))),
        "batched pipeline (16, beam 1, VAD)": lambda: joined(
            batched.transcribe(audio, batch_size=16, beam_size=1)[0]
        ),
    }


def child(wav: Path, seconds: float, data_dir: Path, rounds: int) -> None:
    """Cold then every configuration warm, interleaved; prints one JSON line."""
    whisper = LocalWhisper(None, data_dir=data_dir, threads=THREADS)
    started = time.perf_counter()
    first = asyncio.run(whisper.transcribe(wav, audio_seconds=seconds, hint="en"))
    cold = time.perf_counter() - started
    configs = configurations(whisper, wav, seconds)
    for run in configs.values():  # each path once before timing (allocations, VAD model)
        run()
    wall: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    heard: dict[str, str] = {}
    for _ in range(rounds):
        for name, run in configs.items():
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            heard[name] = run()
            wall[name].append(time.perf_counter() - wall_before)
            cpu[name].append(time.process_time() - cpu_before)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cold": cold, "first": first.text, "wall": wall, "cpu": cpu,
                      "heard": heard, "rss": rss_mb}))  # fmt: skip


def report(figures: dict[str, Any], seconds: float, conversion: float, rounds: int) -> None:
    wall, cpu, heard = figures["wall"], figures["cpu"], figures["heard"]
    median = {name: statistics.median(runs) for name, runs in wall.items()}
    warm, previous = median[OURS], median[PREVIOUS]
    print(f"audio: {seconds:.1f} s of espeak-ng English, OGG/Opus → WAV in {conversion:.2f} s")
    print(f"cpu: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, {THREADS} threads")
    print(f"cold (join + verify + load + first): {figures['cold']:.2f} s")
    print(f"{'configuration':<40} {'median':>7} {'spread':>13} {'cpu/thr':>8} "
          f"{'vs prev':>8} {'words':>6}")  # fmt: skip
    for name, runs in wall.items():
        spread = f"{min(runs):.2f}–{max(runs):.2f}"
        share = statistics.median(cpu[name]) / THREADS
        accuracy = word_accuracy(TEXT, heard[name])
        print(f"{name:<40} {median[name]:>6.2f}s {spread:>12}s {share:>7.2f}s "
              f"{median[name] / previous:>7.2f}x {accuracy:>6.1%}")  # fmt: skip
    print(
        f"warm (median of {rounds}): {warm:.2f} s  (runs: {', '.join(f'{w:.2f}' for w in wall[OURS])})"
    )
    print(f"baseline (previous configuration, same run): {previous:.2f} s = {warm / previous:.2f}x")
    print(f"faster-whisper defaults: {median[DEFAULTS]:.2f} s")
    print(
        f"real-time factor warm: {warm / seconds:.3f}  ({seconds / warm:.1f}x faster than real time)"
    )
    cpu_share = statistics.median(cpu[OURS]) / THREADS
    print(f"peak RSS: {figures['rss']:.0f} MB")
    print(f"goal ≤ 3 s warm: {'met' if warm <= 3 else 'NOT met'} (wall), "
          f"{'met' if cpu_share <= 3 else 'NOT met'} (CPU ÷ threads {cpu_share:.2f} s)")  # fmt: skip
    print(f"heard: {heard[OURS][:120]}…")


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        wav, seconds, conversion = asyncio.run(convert(speech(folder).read_bytes(), folder))
        data_dir = folder / "data"  # empty: the cold run joins and verifies the model too
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(wav), str(seconds), str(data_dir),
             str(rounds)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        figures = json.loads(out.strip().splitlines()[-1])
    report(figures, seconds, conversion, rounds)


if __name__ == "__main__":
    main()
