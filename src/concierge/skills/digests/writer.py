"""The digest's short personal summary, written by the configured language model.

A versioned prompt (``PROMPT_VERSION`` is stored with each digest); the model only
rewords the items it is given. On a failure, a timeout or an answer that is empty or too
long, the digest goes out as the offline ranked list instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog
from pydantic_ai import Agent
from pydantic_ai.models import Model

from concierge.skills.digests.ports import Written

log = structlog.get_logger(__name__)

PROMPT_VERSION = "digest-v1"
PROMPT = """You write a short personal digest for one person from a media assistant.
You get numbered items (new releases, films by people they like, monitor matches, news
headlines), best first. Write two to five plain sentences in the language given that
tell them what is new and why it may interest them, mentioning the items by their
number like (1) or (2). Use only the items given; add no titles, facts or dates of your
own. No greeting, no markdown, no list."""
LIMITS = {False: 700, True: 1400}  # characters: daily, weekly


class ModelDigestWriter:
    """``DigestWriter`` over any pydantic-ai model, with its own timeout."""

    def __init__(self, model: Model, label: str, timeout: float = 30.0) -> None:
        self._agent: Agent[None, str] = Agent(model, instructions=PROMPT, output_type=str)
        self._label = label
        self._timeout = timeout

    async def write(self, items: Sequence[str], *, lang: str, weekly: bool) -> Written | None:
        if not items:
            return None
        language = "Russian" if lang == "ru" else "English"
        kind = "weekly" if weekly else "daily"
        prompt = f"Language: {language}\nDigest: {kind}\n\n" + "\n".join(
            f"{n}. {line}" for n, line in enumerate(items, 1)
        )
        try:
            result = await asyncio.wait_for(self._agent.run(prompt), self._timeout)
        except Exception as exc:  # provider errors vary; the ranked list goes out instead
            log.warning("digest_summary_failed", model=self._label, error=type(exc).__name__)
            return None
        text = result.output.strip()
        if not text or len(text) > LIMITS[weekly]:
            log.warning("digest_summary_rejected", model=self._label, chars=len(text))
            return None
        return Written(text=text, made_by=f"{PROMPT_VERSION}:{self._label}"[:64])
