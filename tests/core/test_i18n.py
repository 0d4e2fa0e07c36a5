"""Every user-facing text exists in English and Russian, with the same placeholders."""

from __future__ import annotations

import string

from concierge.core.i18n import Catalog, resolve_language


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_english_and_russian_catalogues_have_the_same_keys_and_placeholders() -> None:
    catalog = Catalog.load()
    en, ru = catalog.keys("en"), catalog.keys("ru")
    assert en == ru, f"only en: {sorted(en - ru)}; only ru: {sorted(ru - en)}"
    for key in en:
        assert _fields(catalog.t(key, "en")) == _fields(catalog.t(key, "ru")), key


def test_language_comes_from_the_platform_unless_chosen() -> None:
    assert resolve_language(None, "ru-RU", "en") == "ru"
    assert resolve_language(None, "de", "en") == "en"
    assert resolve_language("en", "ru", "en") == "en"
    assert resolve_language(None, None, "ru") == "ru"


def test_missing_key_falls_back_without_crashing() -> None:
    catalog = Catalog.load()
    assert catalog.t("no.such.key", "ru") == "no.such.key"
    assert catalog.t("start.welcome", "ru", wrong="x").startswith("Привет")
