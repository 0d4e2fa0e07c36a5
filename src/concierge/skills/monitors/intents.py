"""The offline model's grammar for monitors, in English and Russian.

"tell me when Dune Part Three is out in 4K", «сообщи, когда выйдет Дюна 3 в 4K»,
"follow Severance from season 2", «следи за сериалом Разделение», "my monitors".
"""

from __future__ import annotations

import re
from typing import Any

from concierge.core.skill import Intent
from concierge.skills.monitors.commands import split_auto, split_season
from concierge.skills.movies.intents import parse_find

_WHEN_EN = (
    r"(?:please\s+)?(?:tell|notify|let)\s+me\s+(?:know\s+)?when\s+(?P<rest>.+?)\s+"
    r"(?:is|comes?)\s+out(?P<tail>(?:\s+(?:in\s+)?\S+)*)"
)
_WATCH_EN = r"(?:monitor|watch\s+for|track\s+(?:the\s+)?release\s+of)\s+(?P<rest>.+)"
_WHEN_RU = (
    r"(?:пожалуйста\s+)?(?:сообщи|скажи|напиши|уведоми|дай\s+знать)(?:\s+мне)?,?\s+"
    r"когда\s+(?:выйдет|появится|будет)\s+(?P<rest>.+)"
)
_FOLLOW_EN = r"(?:follow|subscribe\s+to)\s+(?:the\s+)?(?:series\s+|show\s+)?(?P<rest>.+)"
_FOLLOW_RU = r"(?:следи|подпишись|отслеживай)\s+(?:за\s+|на\s+)?(?:сериал(?:ом)?\s+)?(?P<rest>.+)"
_LIST = r"(?:my\s+monitors|show\s+(?:my\s+)?monitors|мои\s+(?:мониторы|подписки))"


def _watch_args(groups: dict[str, str]) -> dict[str, Any]:
    text, auto = split_auto(f"{groups['rest']} {groups.get('tail', '')}".strip())
    args = parse_find(text)
    out: dict[str, Any] = {"title": args["title"], "auto_download": auto}
    for name in ("year", "quality"):
        if name in args:
            out[name] = args[name]
    return out


def _follow_args(groups: dict[str, str]) -> dict[str, Any]:
    text, auto = split_auto(groups["rest"])
    text, season = split_season(text)
    args = parse_find(text)
    out: dict[str, Any] = {"title": args["title"], "auto_download": auto}
    if season or args.get("season"):
        out["from_season"] = season or args.get("season")
    if "quality" in args:
        out["quality"] = args["quality"]
    return out


def monitor_intents() -> list[Intent]:
    return [
        Intent(
            tool="list_monitors",
            patterns=[re.compile(_LIST, re.I)],
            build=lambda _groups: {},
        ),
        Intent(
            tool="monitor_release",
            patterns=[
                re.compile(_WHEN_EN, re.I),
                re.compile(_WATCH_EN, re.I),
                re.compile(_WHEN_RU, re.I),
            ],
            build=_watch_args,
        ),
        Intent(
            tool="follow_series",
            patterns=[re.compile(_FOLLOW_EN, re.I), re.compile(_FOLLOW_RU, re.I)],
            build=_follow_args,
        ),
    ]
