"""Release names read by parsett (PTT): one entry point, guarded and cached.

Names come from strangers (tracker results, seedbox folders). PTT's cost grows much
faster than the name (a 10 KB name took 7–30 s), so it only ever sees the first
``MAX_PARSED_NAME`` characters, a real name's worth. The same names recur across
searches (issue 15: repeated searches re-parse nothing), so readings are cached by
that guarded name. PTT keeps no state between calls and ``lru_cache`` is thread-safe,
so callers may parse on worker threads (``asyncio.to_thread``) as well as on the loop.

PTT's own parser asks ``inspect.signature`` of a handler's transformer, and re-reads
every option, on each match; ours is PTT's parser with PTT's handlers whose regular
expression handlers have that fixed when made, so readings are the same for less. It
also skips each of PTT's ~420 searches that cannot match: one whose pattern needs a
literal (``release_prefilter``) the current title lacks (4 in 5 of them), which made
500 new names about three times as fast as parsett's own parser.
Building the parser (PTT's import, ~430 expressions compiled, their needs read) takes
~0.5 s, so it is not done at import: ``warm_up`` builds it on a background thread once
the app is assembled (``bootstrap``), while the front-end waits for its first message.
A parse before then waits for that build (a lock: it is built once), so callers on the
event loop ask ``ready`` first and parse on a worker thread until it is (``ranking``):
built on the first parse on the loop, it stalled the loop for about a second.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from concierge.core.release_prefilter import required, searched_text

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
    from PTT.parse import SUB_PATTERN, clean_title, extend_options, translate_langs
    from PTT.transformers import none

    class FastParser(Parser):  # type: ignore[misc]
        """PTT's parser; a regular expression that cannot match the title is not run."""

        def __init__(self) -> None:
            super().__init__()
            self.patterns: list[Any] = []  # a regular expression handler's, else None
            self.needs: list[frozenset[str] | None] = []
            # (handler, the one string it needs, or the several one of which it needs)
            self.plan: list[tuple[Any, str | None, tuple[str, ...] | None]] = []

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
                self._planned(made, handler)
                return
            if handler is is_adult_content:
                handler = _adult_handler()
            super().add_handler(handler_name, handler, transformer, options)
            made = self.handlers.pop()
            self._planned(made, None)

        def _planned(self, handler: Any, pattern: Any) -> None:
            needs = required(pattern.pattern, pattern.flags) if pattern is not None else None
            self.handlers.append(handler)
            self.patterns.append(pattern)
            self.needs.append(needs)
            if needs is not None and len(needs) == 1:
                self.plan.append((handler, next(iter(needs)), None))
            else:
                self.plan.append((handler, None, tuple(sorted(needs)) if needs else None))

        def parse(self, title: str, translate_languages: bool = False) -> dict[str, Any]:
            """PTT's ``Parser.parse`` line for line, with the literal test before a search."""
            title = SUB_PATTERN.sub(" ", title)
            result: dict[str, Any] = {}
            matched: dict[str, Any] = {}
            end_of_title = len(title)
            lowered = searched_text(title)
            for handler, one, several in self.plan:
                if lowered is not None:  # a handler that cannot match would return None
                    if one is not None:
                        if one not in lowered:
                            continue
                    elif several is not None:
                        for need in several:
                            if need in lowered:
                                break
                        else:
                            continue
                match_result = handler({"title": title, "result": result, "matched": matched})
                if match_result is None:
                    continue
                match_index = match_result.get("match_index")
                raw_match = match_result.get("raw_match", "")
                remove = match_result.get("remove", False)
                skip_from_title = match_result.get("skip_from_title", False)
                if remove:
                    title = title[:match_index] + title[match_index + len(raw_match) :]
                    lowered = None if lowered is None else searched_text(title)
                if not skip_from_title and match_index and 1 < match_index < end_of_title:
                    end_of_title = match_index
                if remove and skip_from_title and match_index < end_of_title:
                    end_of_title -= len(raw_match)
            result.setdefault("episodes", [])
            result.setdefault("seasons", [])
            result.setdefault("languages", [])
            if translate_languages and result["languages"]:
                result["languages"] = translate_langs(result["languages"])
            result["title"] = clean_title(title[:end_of_title])
            return result

    parser = FastParser()
    add_defaults(parser)
    return parser


_BUILT: list[Any] = []  # the parser, once built
_BUILDING = threading.Lock()


def parser() -> Any:
    """The parser, built on first use; other threads wait for the one build."""
    if not _BUILT:
        with _BUILDING:
            if not _BUILT:
                _BUILT.append(_build_parser())
    return _BUILT[0]


def ready() -> bool:
    """Whether a parse now runs at once (the parser is built)."""
    return bool(_BUILT)


def warm_up() -> threading.Thread | None:
    """Build the parser on a daemon thread, unless it is built; the thread is returned."""
    if _BUILT:
        return None
    thread = threading.Thread(target=parser, name="release-parser-build", daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=CACHE_SIZE)
def _parse(name: str) -> Mapping[str, Any]:
    parsed: dict[str, Any] = parser().parse(name)
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
