"""The garbage collector during start-up (issue 15, P7).

Start-up imports and builds ~300k objects that live as long as the process. With the
collector on, CPython walked them again and again as they piled up (about 440 passes,
three of them full: ~0.3 s of a ~3 s ``concierge chat`` start on 2 shared cores). The
long-running commands hold the collector for start-up and, once the app is assembled,
freeze what exists into the permanent generation (``gc.freeze``, the recipe Python's
documentation gives for it) before turning it back on: later collections, including the
full ones a busy bot runs, no longer walk the start-up objects.

The price is the few start-up cycles that were already garbage (~10k small objects,
~1.5 MB) staying allocated; collecting them first would cost the same full pass again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held() -> Iterator[None]:
    """No collections until ``settle``, around a command that builds the app and runs it.

    Leaving turns the collector back on even if start-up ended before ``settle``.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def settle() -> None:
    """End of start-up: freeze what exists, collect normally from here on.

    A no-op unless ``held`` turned the collector off, so code that builds apps
    without the CLI (tests, embedding) keeps its collector as it was.
    """
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
