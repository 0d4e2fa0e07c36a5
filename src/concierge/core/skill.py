"""The skill contract: what a skill folder contributes to the core.

A skill's ``build(...)`` returns a ``Skill``; ``bootstrap.py`` registers it.
Commands, buttons and tools all receive a ``Context`` whose user has already
passed the dispatcher's access check.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from concierge.core.access import Role
from concierge.core.flows import DEFAULT_TTL, flow_of
from concierge.core.messages import Button, Inbound, MessageHandle, Outbox, Reply, Text

if TYPE_CHECKING:
    from pydantic_ai import Tool
    from starlette.routing import BaseRoute

    from concierge.core.buttons import ButtonStore
    from concierge.core.flows import FlowStore
    from concierge.core.i18n import Catalog
    from concierge.core.inbound import AttachmentProcessor
    from concierge.core.jobs import JobKind
    from concierge.core.schedules import Schedule
    from concierge.storage.repos import UserRecord


@dataclass(slots=True)
class Context:
    """Everything a handler or tool may know about the acting user and chat."""

    inbound: Inbound
    user: UserRecord
    lang: str
    outbox: Outbox
    catalog: Catalog
    button_store: ButtonStore
    flows: FlowStore

    def t(self, key: str, **values: object) -> str:
        """The message ``key`` in this user's language."""
        return self.catalog.t(key, self.lang, **values)

    def flow_title(self, flow: str) -> str:
        """A flow's name for people: its catalogue entry ``flows.<flow>``, else its id."""
        key = f"flows.{flow}"
        return self.t(key) if self.catalog.has(key) else flow

    async def reply(self, reply: Reply | str) -> MessageHandle | None:
        """Send to this chat; the handle lets the handler edit the message later."""
        return await self.outbox.send(Text(reply) if isinstance(reply, str) else reply)

    async def button(
        self,
        label: str,
        action: str,
        payload: Mapping[str, Any] | None = None,
        ttl: timedelta | None = None,
    ) -> Button:
        """A button only this user may press; its payload is stored, not embedded."""
        button_id = await self.button_store.create(
            owner_user_id=self.user.id, action=action, payload=dict(payload or {}), ttl=ttl
        )
        return Button(label=label, id=button_id)

    async def ask(
        self,
        action: str,
        payload: Mapping[str, Any] | None = None,
        ttl: timedelta | None = None,
        *,
        flow: str | None = None,
    ) -> None:
        """Route this user's next plain message to the ``action`` handler.

        The question belongs to ``flow`` (default: ``action`` minus its last part);
        other open flows wait. The handler receives ``payload`` plus ``"text"`` (and
        ``"message_id"``); ``/cancel`` ends the flow.
        """
        await self.flows.open(
            self.user.id, flow or flow_of(action), action, dict(payload or {}), ttl or DEFAULT_TTL
        )


CommandHandler = Callable[[Context], Awaitable[None]]
ButtonHandler = Callable[[Context, dict[str, Any]], Awaitable[None]]
DeepLinkHandler = Callable[[Context, str], Awaitable[None]]
UserInstructions = Callable[[Context], Awaitable[str]]  # per-run text for this user's agent


@dataclass(frozen=True, slots=True)
class Arg:
    """One typed argument of a command, for front-ends with typed options (Discord).

    Front-ends that take free text (Telegram, the terminal) ignore the schema; Discord
    joins the values in schema order into the same ``/name a b`` text.
    """

    name: str  # lowercase, 1-32 of [a-z0-9_-]
    description_key: str
    type: Literal["string", "integer", "number", "boolean"] = "string"
    required: bool = False
    choices: tuple[str, ...] = ()


FREE_TEXT = (Arg("text", "commands.arg.text"),)  # what a command without a schema takes


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help_key: str  # catalogue key of the one-line description shown in /help
    handler: CommandHandler
    aliases: tuple[str, ...] = ()
    min_role: Role = Role.USER
    # finer than a role (e.g. "owner or listed in TORRENT_CLIENT_USERS"): hides it from
    # /help for others; the handler still refuses them itself
    shown_to: Callable[[Context], bool] | None = None
    args: tuple[Arg, ...] = ()  # empty: one optional free-text argument (FREE_TEXT)

    @property
    def arguments(self) -> tuple[Arg, ...]:
        return self.args or FREE_TEXT

    def listed_for(self, ctx: Context) -> bool:
        return ctx.user.role.allows(self.min_role) and (self.shown_to is None or self.shown_to(ctx))


@dataclass(frozen=True, slots=True)
class Intent:
    """One phrase family of the offline model's grammar, mapped to a tool call.

    Each pattern is matched (``re.fullmatch``, case-insensitive) against the
    user's whole message; named groups become tool arguments after ``build``.
    """

    tool: str
    patterns: Sequence[re.Pattern[str]]
    build: Callable[[dict[str, str]], dict[str, Any]] = field(default=lambda groups: dict(groups))


@dataclass(frozen=True, slots=True)
class MessageRoute:
    """Plain messages a skill answers itself, before the agent (e.g. a bare link).

    ``matches`` sees the whole stripped text; the first route that matches wins.
    """

    name: str
    matches: Callable[[str], bool]
    handler: CommandHandler


@dataclass(slots=True)
class Skill:
    name: str
    commands: list[Command] = field(default_factory=list)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    tools: list[Tool[Context]] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    message_routes: list[MessageRoute] = field(default_factory=list)
    processors: list[AttachmentProcessor] = field(default_factory=list)  # attachments → text
    schedules: list[Schedule] = field(default_factory=list)  # ticks enqueue job kinds
    job_kinds: list[JobKind[Any]] = field(default_factory=list)  # registered with the engine
    routes: list[BaseRoute] = field(default_factory=list)
    deep_links: dict[str, DeepLinkHandler] = field(default_factory=dict)  # "m_" -> handler
    instructions: str = ""  # added to the agent's system prompt
    # the skill's folder: its ``migrations/`` (Alembic versions) and ``locales/<lang>/*.po``
    # are picked up from here, so adding a skill needs no edit outside its folder
    home: Path | None = None
    on_start: CommandHandler | None = None  # after /start's welcome (e.g. onboarding)
    user_instructions: UserInstructions | None = None  # rebuilt on every agent run
    # things the skill owns that hold processes or connections; ``App.close`` awaits
    # their ``aclose()`` (e.g. the grab skill's warm child processes)
    closers: list[Any] = field(default_factory=list)
