"""The literal test before each of PTT's searches must never rule out a real match.

A need that a matching name lacks would silently change a reading (a missed year, a
missed language), so the claims the shortcut rests on are checked exhaustively: every
character whose lower case misleads is listed, and every PTT pattern's need is present
in every corpus name (and its variants) the pattern matches.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import regex  # type: ignore[import-untyped]

from concierge.core.release_names import parser
from concierge.core.release_prefilter import (
    FOLDING_KNOWN,
    LOWER_UNSAFE,
    NON_ASCII,
    required,
    searched_text,
)

CORPUS = Path(__file__).parents[1] / "fixtures" / "movies" / "release_corpus.json"
EVERY_CHAR = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)


def test_a_word_is_needed_whatever_its_case() -> None:
    assert required(r"\bTheatrical\b", re.I) == {"theatrical"}
    assert required(r"\b(german|alem[aã]o)\b", re.I) == {"german", "alemao", "alemão"}
    assert required(r"(?:BD|HD|M)480p?", re.I) == {"bd480", "hd480", "m480"}


def test_an_optional_part_or_a_back_reference_asks_for_nothing() -> None:
    assert required(r"(?:complete)?\d+", re.I) is None
    assert required(r"(\w)\1", 0) is None
    assert required(r"[^a]+", 0) is None


def test_a_look_around_is_needed_beside_the_match() -> None:
    assert required(r"^(?=.*\d{3,4}p.*[. ]WEB[. ])", 0) == {
        f"{a}web{b}" for a in ". " for b in ". "
    }


def test_a_class_outside_ascii_needs_a_name_outside_ascii() -> None:
    assert required(r"[\u4e00-\u9fff]+", 0) == {NON_ASCII}
    assert searched_text("Dune 2021") == "dune 2021"
    assert searched_text("Дюна 2021") == "дюна 2021" + NON_ASCII


def test_a_name_lower_case_would_misread_is_searched_in_full() -> None:
    assert searched_text("\u212aing 2021") is None  # Kelvin sign: matches (?i)k
    assert searched_text("ΟΔΥΣΣΕΑΣ") is None  # final sigma: lower case depends on place


def test_every_character_lower_case_misreads_is_listed() -> None:
    """Matched by an ASCII letter, not one character in lower case, or not always the same."""
    folds_to_ascii = set(regex.findall(r"(?i)[a-z]", EVERY_CHAR))
    misread = {
        c
        for c in EVERY_CHAR
        if len(c.lower()) != 1
        or (c + c).lower() != c.lower() * 2
        or ("a" + c).lower()[1:] != c.lower()
    }
    assert folds_to_ascii | misread <= LOWER_UNSAFE


def test_case_folding_of_known_letters_follows_lower_case_outside_the_list() -> None:
    known = "".join(sorted(FOLDING_KNOWN))
    near = "".join(set(regex.findall(f"(?i)[{regex.escape(known)}]", EVERY_CHAR)))
    for letter in known:
        for match in regex.findall(f"(?i){regex.escape(letter)}", near):
            assert match.lower() == letter.lower() or match in LOWER_UNSAFE, (letter, match)


def _variants() -> list[str]:
    names = [case["name"] for case in json.loads(CORPUS.read_text("utf-8"))]
    return [v for n in names for v in (n, n.upper(), n.swapcase(), n.replace(".", " "))]


def test_every_pattern_s_need_is_in_every_name_it_matches() -> None:
    checked = 0
    built = parser()
    plans = zip(built.plan, built.patterns, built.needs, strict=True)
    for (_handler, one, several), pattern, needs in plans:
        if needs is None:
            continue
        for name in _variants():
            text = searched_text(name)
            if text is not None and pattern.search(name):
                checked += 1
                assert any(need in text for need in needs), (pattern.pattern, name)
                assert (one or "") in text or any(n in text for n in several or ())
    assert checked > 5000
