"""The core's command registry as Discord application commands, and options back to text.

Generated, never written per command: each listed command becomes a slash command whose
options are its ``Command.arguments`` (one optional free-text option when a command has
no schema), with English texts and Russian localizations from the catalogue, so /help,
Telegram's menu and Discord's command list never disagree. A slash command arrives back
as the same ``/name a b`` text Telegram and the terminal send, so handlers don't change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from concierge.core.access import Role
from concierge.core.i18n import Catalog
from concierge.core.registry import Registry
from concierge.core.skill import Arg, Command

log = structlog.get_logger(__name__)

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
LOCAL_NAME = re.compile(r"[-_\w]{1,32}")  # Discord allows letters of any script
MAX_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
OPTION_TYPES = {"string": 3, "integer": 4, "boolean": 5, "number": 10}
CHAT_INPUT = 1
CONTEXTS = [0, 1]  # guild channels and the bot's DMs
GUILD_INSTALL = [0]
ADMINS_ONLY = "0"  # default_member_permissions that hides a command from non-admins
NAME_KEY = "commands.name.{name}"  # optional localized command name in the catalogue
LOCALIZED = {"ru": "ru"}  # our language → Discord locale


def _text(catalog: Catalog, key: str, lang: str, fallback: str) -> str:
    text = catalog.t(key, lang).strip() if key in catalog.keys(lang) or lang == "en" else ""
    return (text or fallback)[:MAX_DESCRIPTION]


def _localizations(catalog: Catalog, key: str, limit: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for lang, locale in LOCALIZED.items():
        if key in catalog.keys(lang):
            value = catalog.t(key, lang).strip()[:limit]
            if value:
                found[locale] = value
    return found


def option(arg: Arg, catalog: Catalog) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": OPTION_TYPES[arg.type],
        "name": arg.name,
        "description": _text(catalog, arg.description_key, "en", arg.name),
        "description_localizations": _localizations(catalog, arg.description_key, 100),
        "required": arg.required,
    }
    if arg.choices:
        payload["choices"] = [{"name": c[:100], "value": c} for c in arg.choices[:MAX_CHOICES]]
    return payload


def application_command(command: Command, catalog: Catalog, public: bool) -> dict[str, Any]:
    name_key = NAME_KEY.format(name=command.name)
    localized_names = {
        locale: value.lower()
        for locale, value in _localizations(catalog, name_key, 32).items()
        if LOCAL_NAME.fullmatch(value.lower())
    }
    args = sorted(command.arguments, key=lambda a: not a.required)[:MAX_OPTIONS]
    return {
        "type": CHAT_INPUT,
        "name": command.name,
        "name_localizations": localized_names,
        "description": _text(catalog, command.help_key, "en", command.name),
        "description_localizations": _localizations(catalog, command.help_key, MAX_DESCRIPTION),
        "options": [option(a, catalog) for a in args],
        "default_member_permissions": None if public else ADMINS_ONLY,
        "contexts": CONTEXTS,
        "integration_types": GUILD_INSTALL,
        "nsfw": False,
    }


def application_commands(registry: Registry, catalog: Catalog) -> list[dict[str, Any]]:
    """Every command of the registry (aliases fold in) as a bulk-overwrite payload.

    Commands an ordinary user's menu leaves out are hidden from non-admin guild members
    with ``default_member_permissions``; the core refuses them to anyone not allowed.
    """
    public = {c.name for c in registry.menu(Role.USER)}
    payload: list[dict[str, Any]] = []
    for command in registry.menu(Role.OWNER):
        if not NAME.match(command.name):
            log.error("discord_command_name_invalid", command=command.name)
            continue
        payload.append(application_command(command, catalog, command.name in public))
    return payload


def command_text(command: Command | None, name: str, options: Sequence[Mapping[str, Any]]) -> str:
    """``/name a b``: option values in the command's schema order (then any others)."""
    values = {str(o.get("name")): o.get("value") for o in options if "value" in o}
    order = [a.name for a in command.arguments] if command is not None else []
    order += [key for key in values if key not in order]
    parts = [_value(values[key]) for key in order if key in values]
    return " ".join([f"/{name}", *(p for p in parts if p)])


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()
