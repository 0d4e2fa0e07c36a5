"""Release names read by parsett (PTT): one entry point, guarded and cached.

Names come from strangers (tracker results, seedbox folders). PTT's cost grows much
faster than the name (a 10 KB name took 7–30 s), so it only ever sees the first
``MAX_PARSED_NAME`` characters, a real name's worth. The same names recur across
searches (issue 15: repeated searches re-parse nothing), so readings are cached by
that guarded name. PTT keeps no state between calls and ``lru_cache`` is thread-safe,
so callers may parse on worker threads (``asyncio.to_thread``) as well as on the loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import PTT

MAX_PARSED_NAME = 300
CACHE_SIZE = 4096  # names; one search brings a few hundred


def parse_name(name: str) -> Mapping[str, Any]:
    """PTT's reading of ``name`` (``title``, ``year``, ``resolution``, ``seasons``…).

    Read-only and shared between callers: lists come back as tuples.
    """
    return _parse(name[:MAX_PARSED_NAME])


@lru_cache(maxsize=CACHE_SIZE)
def _parse(name: str) -> Mapping[str, Any]:
    parsed: dict[str, Any] = PTT.parse_title(name)
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
