"""Everything the registered skills contribute, indexed for the dispatcher."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from concierge.core.access import Role
from concierge.core.skill import (
    ButtonHandler,
    Command,
    CommandHandler,
    DeepLinkHandler,
    Intent,
    MessageRoute,
    Skill,
    UserInstructions,
)

if TYPE_CHECKING:
    from pydantic_ai import Tool
    from starlette.routing import BaseRoute

    from concierge.core.inbound import AttachmentProcessor
    from concierge.core.schedules import Schedule
    from concierge.core.skill import Context

V = TypeVar("V")


class Registry:
    def __init__(self, skills: Iterable[Skill]) -> None:
        self.skills = list(skills)
        self.commands: dict[str, Command] = {}
        self.buttons: dict[str, ButtonHandler] = {}
        self.deep_links: dict[str, DeepLinkHandler] = {}
        for skill in self.skills:
            for command in skill.commands:
                for name in (command.name, *command.aliases):
                    self._unique(self.commands, name, command, "command", skill.name)
            for action, handler in skill.buttons.items():
                self._unique(self.buttons, action, handler, "button action", skill.name)
            for prefix, link in skill.deep_links.items():
                self._unique(self.deep_links, prefix, link, "deep link", skill.name)

    @staticmethod
    def _unique(table: dict[str, V], key: str, value: V, what: str, skill: str) -> None:
        if key in table:
            raise ValueError(f"{what} {key!r} registered twice (second by skill {skill!r})")
        table[key] = value

    def listed_commands(self) -> list[Command]:
        """Each command once, in registration order (aliases folded in)."""
        seen: list[Command] = []
        for skill in self.skills:
            seen.extend(skill.commands)
        return seen

    def menu(self, role: Role) -> list[Command]:
        """Commands for a platform's shared menu of someone with ``role``.

        Owners see every command; others those their role allows, minus commands shown
        only to some (``shown_to``), which /help still lists for whoever may use them.
        """
        if role is Role.OWNER:
            return self.listed_commands()
        return [c for c in self.listed_commands() if role.allows(c.min_role) and c.shown_to is None]

    @property
    def tools(self) -> list[Tool[Context]]:
        return [tool for skill in self.skills for tool in skill.tools]

    @property
    def intents(self) -> list[Intent]:
        return [intent for skill in self.skills for intent in skill.intents]

    @property
    def processors(self) -> list[AttachmentProcessor]:
        return [processor for skill in self.skills for processor in skill.processors]

    @property
    def message_routes(self) -> list[MessageRoute]:
        return [route for skill in self.skills for route in skill.message_routes]

    @property
    def schedules(self) -> list[Schedule]:
        return [schedule for skill in self.skills for schedule in skill.schedules]

    @property
    def routes(self) -> list[BaseRoute]:
        return [route for skill in self.skills for route in skill.routes]

    @property
    def instructions(self) -> str:
        return "\n\n".join(s.instructions for s in self.skills if s.instructions)

    @property
    def start_hooks(self) -> list[CommandHandler]:
        return [s.on_start for s in self.skills if s.on_start is not None]

    @property
    def user_instructions(self) -> list[UserInstructions]:
        return [s.user_instructions for s in self.skills if s.user_instructions is not None]
