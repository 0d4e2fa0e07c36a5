"""Literals a release-name pattern cannot match without: a cheap test before the search.

PTT runs ~420 regular expressions over every name, and most of them cannot match it
(a language word, a site name, ``Theatrical``): each failing search still walks the
whole name, case-insensitively, in the ``regex`` module (~3 µs). ``required`` reads a
pattern's syntax tree and returns strings of which every match contains at least one,
lower-cased; ``str.__contains__`` on the lower-cased name then rules most patterns out
in ~50 ns. The reading is conservative: where it is unsure (a class, an optional part,
a back-reference) it asks for nothing, and the search runs as before.

Lower-casing is exact for this only where a name holds no character that matches an
ASCII or Cyrillic letter under case folding without sharing its lower case (``K``
Kelvin, ``ſ``, ``ᲃ``), whose lower case is not one character (``İ``) or depends on its
neighbours (``Σ``); ``searched_text`` tells such names apart, and the parser then skips
no search for them. A class wholly outside ASCII (CJK, Arabic…) needs ``NON_ASCII``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Strings = frozenset[str]
# Characters outside ASCII that a case-insensitive ASCII letter matches, or whose lower
# case is not one character or not always the same one (a test checks every code point).
LOWER_UNSAFE = frozenset(
    "\u0130\u0131\u017f\u212a\u03a3\ua7dc" + "".join(map(chr, range(0x1C80, 0x1C89)))
)
# Letters whose case-insensitive matches ``lower`` follows (outside LOWER_UNSAFE): ASCII,
# Latin and Cyrillic, the scripts of PTT's words (``épisode``, ``сезон``); a test checks.
FOLDING_KNOWN = frozenset(map(chr, [*range(0xC0, 0x250), *range(0x400, 0x530)]))
# Stands for "some character outside ASCII" in a need: appended to a name that has one.
NON_ASCII = "\uffff"
_MAX_SET = 32  # alternatives kept while joining literals; beyond, a part asks nothing
_MAX_RANGE = 10  # a class range is spelled out up to this many characters
_EMPTY: Strings = frozenset({""})
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}

Info = tuple[Strings | None, Strings | None]  # (every string it can match, one it needs)


def searched_text(text: str) -> str | None:
    """What needs are looked for in: ``text`` lower-cased and marked when not ASCII.

    None when ``text`` holds a character lower-casing misreads: then test nothing.
    """
    if text.isascii():
        return text.lower()
    if not LOWER_UNSAFE.isdisjoint(text):
        return None
    return text.lower() + NON_ASCII


def required(pattern: str, flags: int) -> Strings | None:
    """Lower-cased strings one of which is in (the lower case of) every match, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTT's "[[(]" reads the same in both modules
        try:
            parsed = _parser.parse(pattern, flags & (re.I | re.X | re.M | re.S))
        except (re.error, OverflowError, RecursionError):
            return None
    ignorecase = bool(parsed.state.flags & re.I)
    exact, needed = _sequence(parsed.data, ignorecase)
    return _need(exact, needed)


def _need(exact: Strings | None, needed: Strings | None) -> Strings | None:
    """The more selective of what a part matches exactly and what it otherwise needs."""
    return _best([c for c in (exact, needed) if c is not None])


def _char(code: int, ignorecase: bool) -> str | None:
    char = chr(code)
    if char == NON_ASCII or (ignorecase and not (char.isascii() or char in FOLDING_KNOWN)):
        return None  # other scripts fold in ways ``lower`` may not follow
    lowered = char.lower()
    return lowered if len(lowered) == 1 else None


def _klass(items: list[tuple[Any, Any]], ignorecase: bool) -> Info:
    foreign = True  # every character of the class is outside ASCII and folds to none in it
    spelled: list[str | None] = []  # each character lower-cased, None where unsure
    for op, av in items:
        if op is sre.LITERAL:
            low, high = av, av
        elif op is sre.RANGE:
            low, high = av
        else:
            return None, None  # a negation or a category (\d, \w)
        foreign = foreign and low > 0x7F and not any(low <= ord(c) <= high for c in LOWER_UNSAFE)
        if high - low < _MAX_RANGE:
            spelled += [_char(code, ignorecase) for code in range(low, high + 1)]
        else:
            spelled.append(None)
    if None not in spelled:
        return (frozenset(c for c in spelled if c is not None) or None), None
    return None, (frozenset({NON_ASCII}) if foreign else None)


def _node(op: Any, av: Any, ignorecase: bool) -> Info:
    if op is sre.LITERAL or op is sre.IN:
        return _klass([(op, av)] if op is sre.LITERAL else av, ignorecase)
    if op is sre.AT or op is sre.ASSERT_NOT:
        return _EMPTY, None
    if op is sre.ASSERT:  # a look-around's text is in the name too, beside the match
        exact, needed = _sequence(av[1].data, ignorecase)
        return _EMPTY, _need(exact, needed)
    if op is sre.SUBPATTERN:
        _group, add, remove, sub = av
        flag = (ignorecase or bool(add & re.I)) and not bool(remove & re.I)
        return _sequence(sub.data, flag)
    if op is sre.ATOMIC_GROUP:
        return _sequence(av.data, ignorecase)
    if op is sre.BRANCH:
        return _branch(av[1], ignorecase)
    if op in _REPEATS:
        low, high, sub = av
        exact, needed = _sequence(sub.data, ignorecase)
        if low == 0:
            return None, None
        if low == high == 1:
            return exact, needed
        return None, _need(exact, needed)
    return None, None  # any character, a category, a back-reference, a conditional


def _branch(subs: Iterable[Any], ignorecase: bool) -> Info:
    exacts: set[str] | None = set()
    needs: set[str] | None = set()
    for sub in subs:
        exact, needed = _sequence(sub.data, ignorecase)
        if exacts is not None:
            exacts = exacts | exact if exact is not None else None
        own = _need(exact, needed)
        needs = needs | own if needs is not None and own is not None else None
    if exacts is not None and len(exacts) > _MAX_SET:
        exacts = None
    return (
        frozenset(exacts) if exacts is not None else None,
        frozenset(needs) if needs else None,
    )


def _sequence(items: Iterable[tuple[Any, Any]], ignorecase: bool) -> Info:
    """Adjacent literals join (``se`` + ``ason``); the most selective need wins."""
    run: Strings = _EMPTY
    whole = True
    candidates: list[Strings] = []
    for op, av in items:
        exact, needed = _node(op, av, ignorecase)
        if needed is not None:
            candidates.append(needed)
        if exact is not None and len(run) * len(exact) <= _MAX_SET:
            run = frozenset(a + b for a in run for b in exact)
            continue
        whole = False
        candidates.append(run)
        run = exact if exact is not None else _EMPTY
    candidates.append(run)
    if whole:
        return run, _best(candidates)
    return None, _best(candidates)


def _best(candidates: list[Strings]) -> Strings | None:
    useful = [c for c in candidates if c and "" not in c]
    if not useful:
        return None
    return max(useful, key=lambda c: (min(len(s) for s in c), -len(c)))
