"""Full-text search over retro answers, the same on SQLite and Postgres.

A normalized-words table (``retro_words``) instead of SQLite FTS5 vs Postgres
``to_tsvector``: one query for both databases, no virtual tables or triggers in the
migrations, and the same matching for English and Russian (lower case, ё→е, a word's
prefix matches its endings: "learn" finds "learned", «работ» finds «работе»), which
neither engine's default configuration gives for Russian.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORD = 64
MIN_WORD = 2


def words_of(*texts: str) -> set[str]:
    """Every distinct normalized word of ``texts`` (for the index)."""
    found: set[str] = set()
    for text in texts:
        for word in _WORD.findall(text.lower().replace("ё", "е")):
            if len(word) >= MIN_WORD and not word.isdigit():
                found.add(word[:MAX_WORD])
    return found


def query_prefixes(query: str) -> list[str]:
    """The prefix each query word is matched by: long words lose a likely ending."""
    prefixes = []
    for word in sorted(words_of(query)):
        stem = word[:-2] if len(word) >= 6 else word[:-1] if len(word) >= 5 else word
        prefixes.append(stem)
    return prefixes


def like_pattern(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
