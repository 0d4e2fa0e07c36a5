"""The offline model's grammar for grab: "download https://…", «скачай https://…»."""

from __future__ import annotations

import re

from concierge.core.skill import Intent

_URL = r"(?P<url>https?://\S+)"


def grab_intents() -> list[Intent]:
    """The first pattern of each language is the one shown as an example."""
    return [
        Intent(
            tool="grab_link",
            patterns=[
                re.compile(
                    rf"(?:please\s+)?(?:download|grab|save|fetch)(?:\s+(?:this|it))?:?\s+{_URL}",
                    re.I,
                ),
                re.compile(
                    rf"(?:can\s+you\s+)?(?:download|grab)\s+(?:the\s+)?(?:video|file|gallery|pictures?)\s*(?:from\s+)?:?\s*{_URL}",
                    re.I,
                ),
                re.compile(
                    rf"(?:пожалуйста\s+)?(?:скачай|скачать|загрузи|сохрани)(?:\s+(?:это|мне))?:?\s+{_URL}",
                    re.I,
                ),
                re.compile(
                    rf"(?:скачай|скачать)\s+(?:видео|файл|галерею|картинки)\s*(?:с|из|по\s+ссылке)?:?\s*{_URL}",
                    re.I,
                ),
            ],
            build=lambda groups: {"url": groups["url"]},
        ),
    ]
