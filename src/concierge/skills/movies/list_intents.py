"""The offline model's phrases for lists and suggestions, in English and Russian.

"add Dune to my watchlist", «добавь Дюну в список», "I watched Arrival, 9/10",
«я посмотрел Прибытие, 9 из 10», "something like Dune", «посоветуй что-то
похожее на Дюну», "never suggest horror", «покажи мой список».
"""

from __future__ import annotations

import re
from typing import Any

from concierge.core.skill import Intent

_RATING = r"(?:[\s,]+(?:rated\s+|на\s+|оценка\s+)?(?P<rating>10|[1-9])(?:\s*/\s*10|\s+из\s+10|\s+out\s+of\s+10)?)?"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _watched(groups: dict[str, str]) -> dict[str, Any]:
    args: dict[str, Any] = {"title": groups["title"].strip(" ,")}
    if groups.get("rating"):
        args["rating"] = int(groups["rating"])
    return args


def _show(groups: dict[str, str]) -> dict[str, Any]:
    which = groups.get("which", "").lower()
    if which.startswith(("watched", "просмотр")):
        return {"which": "watched"}
    if which.startswith(("rating", "оцен")):
        return {"which": "ratings"}
    if which.startswith(("block", "black", "чёрн", "черн", "запрет")):
        return {"which": "blocklist"}
    return {"which": "watchlist"}


def list_intents() -> list[Intent]:
    return [
        Intent(
            tool="add_to_watchlist",
            patterns=[
                _c(
                    r"(?:please\s+)?(?:add|put)\s+(?P<title>.+?)\s+(?:to|on)\s+(?:my\s+)?watch\s?list"
                ),
                _c(
                    r"(?:пожалуйста\s+)?(?:добавь|запиши|положи)\s+(?P<title>.+?)\s+в\s+(?:мой\s+)?(?:список(?:\s+к\s+просмотру)?|вишлист|закладки)"
                ),
            ],
        ),
        Intent(
            tool="mark_watched",
            patterns=[
                _c(
                    rf"(?:i\s+(?:have\s+)?(?:watched|saw|seen)|i've\s+(?:watched|seen)|watched)\s+(?P<title>.+?){_RATING}"
                ),
                _c(
                    rf"(?:я\s+)?(?:посмотрел[аи]?|смотрел[аи]?|видел[аи]?)\s+(?P<title>.+?){_RATING}"
                ),
            ],
            build=_watched,
        ),
        Intent(
            tool="something_like",
            patterns=[
                _c(
                    r"(?:recommend\s+|suggest\s+|show\s+me\s+)?(?:something|anything|films?|movies?)\s+(?:like|similar\s+to)\s+(?P<title>.+)"
                ),
                _c(
                    r"(?:посоветуй|порекомендуй|предложи|покажи)?\s*(?:что-?то|что-нибудь|что-либо|фильмы?)\s+(?:похож(?:ее|ие|ий)\s+на|вроде|как)\s+(?P<title>.+)"
                ),
            ],
        ),
        Intent(
            tool="block",
            patterns=[
                _c(r"(?:never\s+(?:show|offer|suggest|recommend)(?:\s+me)?|block)\s+(?P<what>.+)"),
                _c(
                    r"(?:никогда\s+не\s+(?:предлагай|показывай|советуй)(?:\s+мне)?|заблокируй)\s+(?P<what>.+)"
                ),
            ],
        ),
        Intent(
            tool="show_list",
            patterns=[
                _c(r"(?:show\s+)?my\s+(?P<which>watch\s?list|watched|ratings|blocklist|blacklist)"),
                _c(
                    r"(?:покажи\s+)?(?:мой|мои)\s+(?P<which>список|просмотренное|оценки|чёрный\s+список|черный\s+список)"
                ),
            ],
            build=_show,
        ),
    ]
