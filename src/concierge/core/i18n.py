"""Message catalogues (gettext .po, read with Babel) and the user's language.

Each area owns ``locales/<lang>/<area>.po``; msgids are dotted keys and
msgstrs use ``{name}`` placeholders. English is the fallback for a missing key.
The core's catalogues live in ``concierge/locales``; each skill keeps its own in its
folder: the built-in ones (``concierge/skills/*/locales``) are found by ``load``,
others are added from ``Skill.home`` with ``Catalog.extend``.
"""

from __future__ import annotations

import re
from pathlib import Path

import structlog
from babel.messages.pofile import read_po

log = structlog.get_logger(__name__)

LANGUAGES = ("en", "ru")
FALLBACK = "en"
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SKILLS_DIR = Path(__file__).resolve().parent.parent / "skills"


class Catalog:
    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self._messages = messages
        self._loaded: set[Path] = set()

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        """The core's catalogues and every built-in skill's."""
        catalog = cls({lang: {} for lang in LANGUAGES})
        catalog.extend(directory)
        if directory == LOCALES_DIR:
            for skill_locales in sorted(SKILLS_DIR.glob("*/locales")):
                catalog.extend(skill_locales)
        return catalog

    def extend(self, directory: Path) -> None:
        """Add every ``<lang>/*.po`` under ``directory``; a key defined twice is an error."""
        directory = directory.resolve()
        if directory in self._loaded:
            return
        self._loaded.add(directory)
        for lang in LANGUAGES:
            table = self._messages.setdefault(lang, {})
            for po_file in sorted((directory / lang).glob("*.po")):
                with po_file.open("rb") as handle:
                    catalog = read_po(handle, locale=lang)
                for message in catalog:
                    if message.id and isinstance(message.id, str) and message.string:
                        if message.id in table and table[message.id] != str(message.string):
                            raise ValueError(f"message {message.id!r} defined twice ({po_file})")
                        table[message.id] = str(message.string)

    def keys(self, lang: str) -> set[str]:
        return set(self._messages.get(lang, {}))

    def has(self, key: str) -> bool:
        return key in self._messages[FALLBACK]

    def t(self, key: str, lang: str, **values: object) -> str:
        text = self._messages.get(lang, {}).get(key) or self._messages[FALLBACK].get(key)
        if text is None:
            log.error("i18n_missing_key", key=key, lang=lang)
            return key
        if not values:
            return text
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            log.error("i18n_bad_placeholders", key=key, lang=lang)
            return text


def written_language(text: str, current: str) -> str:
    """Russian for a message written in Cyrillic, else ``current`` (the user's language)."""
    return "ru" if _CYRILLIC.search(text) else current


def resolve_language(chosen: str | None, platform_code: str | None, default: str) -> str:
    """The chosen language, else the platform's (``ru-RU`` → ``ru``), else ``default``."""
    if chosen in LANGUAGES:
        return chosen
    if platform_code:
        base = platform_code.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else FALLBACK
