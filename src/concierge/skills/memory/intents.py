"""The offline model's memory phrases: "remember that …" / «запомни, что …», and recall."""

from __future__ import annotations

import re

from concierge.core.skill import Intent


def memory_intents() -> list[Intent]:
    return [
        Intent(
            tool="note_add",
            patterns=[
                re.compile(r"(?:please\s+)?remember(?:\s+that)?[\s,:]+(?P<text>.+)", re.I),
                re.compile(r"(?:пожалуйста\s+)?запомни(?:,?\s+что)?[\s,:]+(?P<text>.+)", re.I),
            ],
        ),
        Intent(
            tool="note_search",
            patterns=[
                re.compile(r"what\s+do\s+you\s+(?:remember|know)\s+about\s+(?P<query>.+)", re.I),
                re.compile(r"что\s+ты\s+(?:помнишь|знаешь)\s+(?:о|об|про)\s+(?P<query>.+)", re.I),
            ],
        ),
    ]
