"""What the retro needs from outside: a clean-up of spoken or typed answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Cleaned:
    """An answer after clean-up, with what it cost (0 for the offline rules)."""

    text: str
    cleaner: str  # which clean-up and prompt version made it, e.g. "rules-v1"
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


class Cleaner(Protocol):
    async def clean(self, text: str, lang: str) -> Cleaned:
        """``text`` without fillers and repetitions, punctuated; never new content."""
        ...


class ThemeFinder(Protocol):
    async def themes(self, answers: list[str], lang: str) -> list[str]:
        """A few recurring themes of a week's answers, in ``lang``; [] when unsure."""
        ...
