"""Retros as replies and files; every answer is the user's text, escaped before Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from concierge.core.messages import literal
from concierge.skills.retro.steps import MOOD
from concierge.skills.retro.store import Retro

Translate = Callable[..., str]
PREVIEW = 60


def mood_mark(mood: int | None) -> str:
    return "·" if mood is None else "●" * mood + "○" * (5 - mood)


def retro_text(t: Translate, retro: Retro, steps: Iterable[str]) -> str:
    """One retro in a chat: its date, mood and every cleaned answer."""
    lines = [f"*{retro.day.isoformat()}*  {mood_mark(retro.mood)}"]
    for step in steps:
        if step == MOOD:
            continue
        answer = retro.answers.get(step)
        if answer is not None:
            lines.append(f"\n*{t(f'retro.title.{step}')}*\n{literal(answer.cleaned)}")
    return "\n".join(lines)


def preview(retro: Retro) -> str:
    """The first cleaned answer, shortened, for a list line."""
    for answer in retro.answers.values():
        if answer.step != MOOD:
            text = answer.cleaned
            return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
    return ""


def retro_markdown(t: Translate, retros: Iterable[Retro], steps: tuple[str, ...]) -> str:
    """The export file: a heading per retro, each answer as cleaned, the original below."""
    parts = ["# Retros", ""]
    for retro in retros:
        mood = f" — {t('retro.title.mood')} {retro.mood}/5" if retro.mood is not None else ""
        parts += [f"## {retro.day.isoformat()}{mood}", ""]
        for step in steps:
            answer = retro.answers.get(step)
            if answer is None or step == MOOD:
                continue
            parts += [f"### {t(f'retro.title.{step}')}", "", answer.cleaned, ""]
            if answer.raw.strip() != answer.cleaned.strip():
                parts += [f"> {line}" for line in answer.raw.splitlines()] + [""]
    return "\n".join(parts)


def retro_json(retros: Iterable[Retro]) -> str:
    items = [
        {
            "date": retro.day.isoformat(),
            "status": retro.status,
            "mood": retro.mood,
            "answers": {
                step: {"raw": a.raw, "cleaned": a.cleaned, "cleaner": a.cleaner}
                for step, a in retro.answers.items()
            },
        }
        for retro in retros
    ]
    return json.dumps({"retros": items}, ensure_ascii=False, indent=2)
