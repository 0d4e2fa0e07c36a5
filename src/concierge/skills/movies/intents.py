"""The offline model's grammar for movies, in English and Russian.

"find Dune Part Two 2160p", «найди Дюну 2 в 4K», "download 2" / «скачай 2».
The same tail parser serves ``/find``: a title, then an optional year, an
optional SxxEyy and an optional quality ("в 4K", "in 1080p").
"""

from __future__ import annotations

import re
from typing import Any

from concierge.core.skill import Intent

_QUALITY = r"4k|uhd|2160p?|1080p?|720p?|full\s?hd|fhd"
_YEAR = r"19\d\d|20[0-3]\d"
_TAIL = re.compile(
    rf"^(?P<title>.+?)"
    rf"(?:\s+\(?(?P<year>{_YEAR})\)?)?"
    rf"(?:\s+s(?P<season>\d{{1,2}})(?:\s*e(?P<episode>\d{{1,3}}))?)?"
    rf"(?:\s+(?:in|в|во)?\s*(?P<quality>{_QUALITY}))?$",
    re.I,
)
_FIND_EN = r"(?:please\s+)?(?:find|search(?:\s+for)?|look\s+for|get\s+me|torrents?\s+for)"
_FIND_RU = r"(?:пожалуйста\s+)?(?:найди|найти|поищи|ищи|отыщи|хочу\s+посмотреть|скачай\s+фильм)"
_PICK_EN = r"(?:download|get|pick|take|grab)\s+(?:number\s+|no\.?\s*|#)?"
_PICK_RU = r"(?:скачай|скачать|качай|выбери|возьми|давай)\s+(?:номер\s+|№\s*)?"


def parse_find(text: str) -> dict[str, Any]:
    """Split "Dune Part Two 2024 in 4K" into tool arguments."""
    found = _TAIL.match(" ".join(text.split()))
    if found is None:
        return {"title": text.strip()}
    args: dict[str, Any] = {"title": found.group("title").strip(" ,.")}
    if found.group("year"):
        args["year"] = int(found.group("year"))
    if found.group("season"):
        args["season"] = int(found.group("season"))
    if found.group("episode"):
        args["episode"] = int(found.group("episode"))
    if found.group("quality"):
        args["quality"] = found.group("quality")
    return args


def _find_args(groups: dict[str, str]) -> dict[str, Any]:
    return parse_find(groups["rest"])


def _pick_args(groups: dict[str, str]) -> dict[str, Any]:
    return {"number": int(groups["number"])}


def movie_intents() -> list[Intent]:
    """Pick comes first: "get 2" is a pick, "get me Dune" a search."""
    return [
        Intent(
            tool="pick_result",
            patterns=[
                re.compile(rf"{_PICK_EN}(?P<number>\d{{1,2}})", re.I),
                re.compile(rf"{_PICK_RU}(?P<number>\d{{1,2}})", re.I),
            ],
            build=_pick_args,
        ),
        Intent(
            tool="search_torrents",
            patterns=[
                re.compile(rf"{_FIND_EN}\s+(?P<rest>.+)", re.I),
                re.compile(rf"{_FIND_RU}\s+(?P<rest>.+)", re.I),
            ],
            build=_find_args,
        ),
        Intent(
            tool="person",
            patterns=[
                re.compile(r"(?:who\s+is|tell\s+me\s+about\s+actor)\s+(?P<name>.+)", re.I),
                re.compile(r"(?:кто\s+так(?:ой|ая)|актёр|актер|актриса)\s+(?P<name>.+)", re.I),
            ],
        ),
    ]
