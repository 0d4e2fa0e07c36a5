"""Release names read by parsett (PTT): one entry point, guarded and cached.

Names come from strangers (tracker results, seedbox folders). PTT's cost grows much
faster than the name (a 10 KB name took 7–30 s), so it only ever sees the first
``MAX_PARSED_NAME`` characters, a real name's worth. The same names recur across
searches (issue 15: repeated searches re-parse nothing), so readings are cached by
that guarded name. PTT keeps no state between calls and ``lru_cache`` is thread-safe,
so callers may parse on worker threads (``asyncio.to_thread``) as well as on the loop.

PTT's own parser asks ``inspect.signature`` of a handler's transformer on every match
(about half of its time); ours is PTT's parser with PTT's handlers, each transformer
carrying its signature precomputed, so readings are the same at half the cost. PTT is
imported on the first parse: start-up does not pay for its ~400 regular expressions.
"""

from __future__ import annotations

import inspect
import threading
import types
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


def _with_signature(transformer: Callable[..., Any]) -> Callable[..., Any]:
    """``transformer`` with ``__signature__`` set, so ``inspect.signature`` returns at once.

    A plain function is copied (PTT's own object stays untouched, calls cost the same).
    """
    signature = inspect.signature(transformer)
    if isinstance(transformer, types.FunctionType):
        copy = types.FunctionType(
            transformer.__code__,
            transformer.__globals__,
            transformer.__name__,
            transformer.__defaults__,
            transformer.__closure__,
        )
        copy.__kwdefaults__ = transformer.__kwdefaults__
        copy.__signature__ = signature  # type: ignore[attr-defined]
        return copy
    return transformer


_parser: Parser | None = None
_parser_lock = threading.Lock()


def _build_parser() -> Parser:
    from PTT import Parser, add_defaults

    class FastParser(Parser):  # type: ignore[misc]
        def add_handler(
            self,
            handler_name: str,
            handler: Any = None,
            transformer: Any = None,
            options: Any = None,
        ) -> None:
            if callable(transformer):
                transformer = _with_signature(transformer)
            super().add_handler(handler_name, handler, transformer, options)

    parser = FastParser()
    add_defaults(parser)
    return parser


def _the_parser() -> Parser:
    global _parser
    with _parser_lock:  # the first searches may parse on several threads at once
        if _parser is None:
            _parser = _build_parser()
        return _parser


@lru_cache(maxsize=CACHE_SIZE)
def _parse(name: str) -> Mapping[str, Any]:
    parsed: dict[str, Any] = _the_parser().parse(name)
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
