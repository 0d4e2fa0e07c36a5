"""Recurring themes of a week's retro answers, written by the configured language model.

Only with a model: the offline weekly summary has the most frequent words instead. A
failure or an odd answer gives no themes rather than a wrong one.
"""

from __future__ import annotations

import asyncio

import structlog
from pydantic_ai import Agent
from pydantic_ai.models import Model

log = structlog.get_logger(__name__)

THEMES_VERSION = "themes-v1"
PROMPT = """You read one person's daily retrospective answers from the past week. Name at
most three recurring themes, each in two to six words, one per line, in the language given,
with no numbering or commentary. Use only what the answers say; if nothing recurs, answer
with an empty line."""
MAX_THEMES = 3
MAX_CHARS = 8000


class ModelThemes:
    def __init__(self, model: Model, label: str, timeout: float = 30.0) -> None:
        self._agent: Agent[None, str] = Agent(model, instructions=PROMPT, output_type=str)
        self._label = label
        self._timeout = timeout

    async def themes(self, answers: list[str], lang: str) -> list[str]:
        if not answers:
            return []
        language = "Russian" if lang == "ru" else "English"
        text = f"Language: {language}\n\n" + "\n".join(f"- {a}" for a in answers)
        try:
            result = await asyncio.wait_for(self._agent.run(text[:MAX_CHARS]), self._timeout)
        except Exception as exc:  # provider errors vary; the summary goes out without themes
            log.warning("retro_themes_failed", model=self._label, error=type(exc).__name__)
            return []
        lines = [line.strip(" -•*\t") for line in result.output.splitlines()]
        themes = [line for line in lines if line and len(line) <= 80]
        return themes[:MAX_THEMES]
