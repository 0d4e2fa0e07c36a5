"""The offline model's grammar for downloads, in English and Russian.

"show my downloads", "what's downloading", «мои загрузки», «что качается».
No phrase here carries a number, so "download 2" stays the movies skill's pick.
"""

from __future__ import annotations

import re

from concierge.core.skill import Intent

_WHAT_EN = r"(?:downloads|torrents)"
_WHAT_RU = r"(?:загрузки|закачки|торренты)"


def download_intents() -> list[Intent]:
    """The first pattern of each language is the one shown as an example."""
    return [
        Intent(
            tool="list_downloads",
            patterns=[
                re.compile(
                    rf"(?:show|list|check)(?:\s+me)?\s+(?:all\s+)?(?:my|the)\s+{_WHAT_EN}", re.I
                ),
                re.compile(
                    rf"(?:(?:show|list)(?:\s+me)?\s+|my\s+|current\s+)?{_WHAT_EN}"
                    r"|what(?:'s|\s+is)\s+(?:downloading|being\s+downloaded)(?:\s+now)?"
                    r"|how\s+are\s+my\s+downloads(?:\s+doing|\s+going)?",
                    re.I,
                ),
                re.compile(rf"(?:покажи|показать|открой)(?:\s+мне)?\s+(?:мои\s+)?{_WHAT_RU}", re.I),
                re.compile(
                    rf"(?:(?:мои|текущие)\s+)?{_WHAT_RU}"
                    r"|что\s+(?:сейчас\s+|там\s+)?(?:качается|скачивается|загружается)"
                    rf"|как\s+(?:там\s+)?(?:мои\s+)?{_WHAT_RU}",
                    re.I,
                ),
            ],
            build=lambda groups: {},
        ),
    ]
