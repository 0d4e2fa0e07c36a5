"""The ``Transcriber`` port: a 16 kHz mono WAV in, the words spoken out.

Adapters live apart (``adapters/stt_local.py`` for faster-whisper on this machine,
``adapters/stt_openai.py`` for the OpenAI API and servers speaking it); the voice
skill only sees this protocol. Failures are ``TranscriptionFailed`` carrying the
catalogue key that explains them to the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from concierge.core.inbound import ProcessingFailed


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str | None
    audio_seconds: float
    cost: float = 0.0  # in the currency of the price setting (USD by default)
    model: str = ""
    stopped_early: bool = False  # the wall-clock limit or the repetition check cut it


class TranscriptionFailed(ProcessingFailed):
    """The transcriber could not give a text; ``key`` says why, for the user."""


class Transcriber(Protocol):
    name: str  # "local", "openai", "openai-compatible": the metrics label
    model_name: str  # the model folder's name or the API's model id, for usage records

    def estimate(self, audio_seconds: float) -> float:
        """Seconds a transcription of this length is expected to take (measured speed)."""
        ...

    async def transcribe(self, wav: Path, *, audio_seconds: float, hint: str | None) -> Transcript:
        """The words in ``wav``; ``hint`` is the user's language, used when detection is unsure."""
        ...


_WORD = re.compile(r"\w+", re.UNICODE)
_SPOKEN = re.compile(r"[\w']+")  # a scored word: "don't" is one


def collapse_repeats(text: str, max_repeats: int = 2, longest: int = 8) -> tuple[str, bool]:
    """``text`` with any phrase of up to ``longest`` words said more than ``max_repeats``
    times in a row cut back to ``max_repeats``: Whisper's hallucination loop
    ("thank you thank you thank you …"). Returns the text and whether it was cut."""
    words = text.split()
    keys = [" ".join(_WORD.findall(w.lower())) for w in words]
    cut = False
    size = 1
    while size <= longest:
        i, kept, kept_keys = 0, [], []
        while i < len(words):
            phrase = keys[i : i + size]
            run = 1
            while keys[i + run * size : i + (run + 1) * size] == phrase and len(phrase) == size:
                run += 1
            if run > max_repeats and any(phrase):
                kept.extend(words[i : i + size * max_repeats])
                kept_keys.extend(keys[i : i + size * max_repeats])
                i += run * size
                cut = True
            else:
                kept.append(words[i])
                kept_keys.append(keys[i])
                i += 1
        words, keys = kept, kept_keys
        size += 1
    return " ".join(words), cut


def word_accuracy(reference: str, heard: str) -> float:
    """1 − word error rate (Levenshtein over words), as speech recognition is scored; the
    voice tests and ``bench/transcribe.py`` judge transcripts with it."""
    ref, hyp = _SPOKEN.findall(reference.lower()), _SPOKEN.findall(heard.lower())
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return 1 - row[-1] / max(len(ref), 1)
