"""Release names read by parsett (PTT): one entry point, guarded and cached.

Names come from strangers (tracker results, seedbox folders). PTT's cost grows much
faster than the name (a 10 KB name took 7–30 s), so it only ever sees the first
``MAX_PARSED_NAME`` characters, a real name's worth. The same names recur across
searches (issue 15: repeated searches re-parse nothing), so readings are cached by
that guarded name. PTT keeps no state between calls and ``lru_cache`` is thread-safe,
so callers may parse on worker threads (``asyncio.to_thread``) as well as on the loop.

PTT's own parser asks ``inspect.signature`` of a handler's transformer, and re-reads
every option, on each match; ours is PTT's parser with PTT's handlers whose regular
expression handlers have that fixed when made, so readings are the same for less.
The parser is built at import, as PTT's own is: built on the first parse, it stalled
the event loop for about a second in the middle of a poll round.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PTT import Parser

MAX_PARSED_NAME = 300
CACHE_SIZE = 4096  # names; one search brings a few hundred


def parse_name(name: str) -> Mapping[str, Any]:
    """PTT's reading of ``name`` (``title``, ``year``, ``resolution``, ``seasons``…).

    Read-only and shared between callers: lists come back as tuples.
    """
    return _parse(name[:MAX_PARSED_NAME])


def _regexp_handler(
    name: str, pattern: Any, transformer: Callable[..., Any], options: dict[str, Any]
) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """PTT's ``create_handler_from_regexp``, with what it recomputes per match done once.

    PTT asks ``inspect.signature`` of the transformer, the pattern's group count and
    every option on each call; here they are fixed when the handler is made. The
    matching and bookkeeping are PTT's, line for line (the corpus test compares every
    reading with parsett's own parser).
    """
    from PTT.parse import BEFORE_TITLE_MATCH_REGEX

    search = pattern.search
    before_title = BEFORE_TITLE_MATCH_REGEX.match
    has_group = pattern.groups >= 1
    wants_previous = len(inspect.signature(transformer).parameters) > 1
    skip_if_found = options.get("skipIfAlreadyFound", False)
    skip_if_first = options.get("skipIfFirst", False)
    remove = options.get("remove", False)
    skip_from_title = options.get("skipFromTitle", False)
    has_value, value = "value" in options, options.get("value")

    def handler(context: dict[str, Any]) -> dict[str, Any] | None:
        result = context["result"]
        if skip_if_found and name in result:
            return None
        title = context["title"]
        match = search(title)
        if not match:
            return None
        matched = context["matched"]
        raw_match = match.group(0)
        clean_match = match.group(1) if has_group else raw_match
        argument = clean_match or raw_match
        if wants_previous:
            transformed = transformer(argument, result.get(name))
        else:
            transformed = transformer(argument)
        if isinstance(transformed, str):
            transformed = transformed.strip()
        before = before_title(title)
        is_before_title = before is not None and raw_match in before.group(1)
        start = match.start()
        if skip_if_first:
            others = [v["match_index"] for k, v in matched.items() if k != name]
            if others and all(start < index for index in others):
                return None
        if transformed is None:
            return None
        if name not in matched:
            matched[name] = {"raw_match": raw_match, "match_index": start}
        result[name] = value if has_value else transformed
        return {
            "raw_match": raw_match,
            "match_index": start,
            "remove": remove,
            "skip_from_title": is_before_title or skip_from_title,
        }

    return handler


def _adult_handler() -> Callable[[dict[str, Any]], None]:
    """PTT's ``is_adult_content`` (any of ~1,000 keywords inside the title) by trigrams.

    PTT tests every keyword against every title; here only the keywords whose first
    three letters occur in the title are tested, which decides exactly the same.
    """
    from PTT.adult import load_adult_keywords

    short: list[str] = []
    by_trigram: dict[str, list[str]] = {}
    for keyword in load_adult_keywords():
        if len(keyword) < 3:
            short.append(keyword)
        else:
            by_trigram.setdefault(keyword[:3], []).append(keyword)

    def is_adult_content(context: dict[str, Any]) -> None:
        result = context["result"]
        if result.get("adult"):
            return
        title = context["title"].lower()
        trigrams = {title[i : i + 3] for i in range(len(title) - 2)}
        candidates = [k for t in trigrams.intersection(by_trigram) for k in by_trigram[t]]
        if any(keyword in title for keyword in (*short, *candidates)):
            result["adult"] = True

    return is_adult_content


def _build_parser() -> Parser:
    import regex  # type: ignore[import-untyped]
    from PTT import Parser, add_defaults
    from PTT.adult import is_adult_content
    from PTT.parse import extend_options
    from PTT.transformers import none

    class FastParser(Parser):  # type: ignore[misc]
        def add_handler(
            self,
            handler_name: str,
            handler: Any = None,
            transformer: Any = None,
            options: Any = None,
        ) -> None:
            if isinstance(handler_name, str) and isinstance(handler, regex.Pattern):
                made = _regexp_handler(
                    handler_name,
                    handler,
                    transformer if callable(transformer) else none,
                    extend_options(options if isinstance(options, dict) else {}),
                )
                made.__name__ = handler_name
                made.handler_name = handler_name  # type: ignore[attr-defined]
                self.handlers.append(made)
                return
            if handler is is_adult_content:
                handler = _adult_handler()
            super().add_handler(handler_name, handler, transformer, options)

    parser = FastParser()
    add_defaults(parser)
    return parser


_PARSER = _build_parser()


@lru_cache(maxsize=CACHE_SIZE)
def _parse(name: str) -> Mapping[str, Any]:
    parsed: dict[str, Any] = _PARSER.parse(name)
    return MappingProxyType(
        {key: tuple(value) if isinstance(value, list) else value for key, value in parsed.items()}
    )


def cache_info() -> tuple[int, int]:
    """``(hits, misses)`` of the parse cache, for tests and the bench."""
    info = _parse.cache_info()
    return info.hits, info.misses


def clear_cache() -> None:
    """Forget every reading (tests and the bench measure cold parses)."""
    _parse.cache_clear()
