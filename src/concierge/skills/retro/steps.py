"""The retro's questions: which steps, in which order (``RETRO_STEPS``)."""

from __future__ import annotations

import re

MOOD = "mood"
STEPS = ("mood", "went_well", "went_wrong", "learned", "grateful", "focus")
DEFAULT_STEPS = STEPS

_MOOD_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
}  # fmt: skip


class UnknownStep(ValueError):
    pass


def parse_steps(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The configured steps, checked: known names, no repeats, at least one."""
    steps = tuple(name.strip().lower() for name in names if name.strip())
    unknown = [name for name in steps if name not in STEPS]
    if unknown or not steps or len(set(steps)) != len(steps):
        raise UnknownStep(f"RETRO_STEPS must be some of {', '.join(STEPS)} without repeats")
    return steps


def parse_mood(text: str) -> int | None:
    """1–5 from "4", "4/5", "four" or «четыре» (a spoken answer arrives as words)."""
    cleaned = text.strip().lower()
    match = re.fullmatch(r"([1-5])(?:\s*/\s*5)?[.!]?", cleaned)
    if match:
        return int(match.group(1))
    return _MOOD_WORDS.get(cleaned.strip(".! "))
