"""The real core (dispatcher, registry, users, notifier) on a database, for front-end tests
and benches: what every front-end's end-to-end stack is built on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

from concierge.bootstrap import build_dispatcher
from concierge.core.dispatch import AccessPolicy, AgentRunner, Dispatcher
from concierge.core.i18n import Catalog
from concierge.core.metrics import Metrics
from concierge.core.model_choice import LLMSettings
from concierge.core.notify import Notifier
from concierge.core.registry import Registry
from concierge.core.skill import Skill
from concierge.storage.db import Database
from concierge.storage.repos import UserRepo


def core_dispatcher(
    db: Database,
    *,
    owners: Iterable[tuple[str, int]] = (),
    mode: str = "approval",
    skills: Iterable[Skill] = (),
    agent: AgentRunner | str | None = "offline",
) -> Dispatcher:
    """``agent``: "offline" for the built-in model, None for none, or a runner to use."""
    users = UserRepo(db)
    dispatcher = build_dispatcher(
        db,
        catalog=Catalog.load(),
        users=users,
        notifier=Notifier(users),
        metrics=Metrics(),
        policy=AccessPolicy(frozenset(owners), mode, "en"),
        skills=list(skills),
        llm=LLMSettings(provider="offline") if agent == "offline" else None,
    )
    if not isinstance(agent, str) and agent is not None:
        dispatcher.agent = agent
    return dispatcher


@dataclass
class CoreStack:
    """The core pieces a front-end is built from; each front-end's tests add ``frontend()``."""

    db: Database
    users: UserRepo
    catalog: Catalog
    notifier: Notifier
    registry: Registry
    dispatcher: Dispatcher

    @classmethod
    def of(cls, db: Database, dispatcher: Dispatcher) -> Self:
        return cls(
            db,
            dispatcher.users,
            dispatcher.catalog,
            dispatcher.notifier,
            dispatcher.registry,
            dispatcher,
        )


class FrontEnd(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


F = TypeVar("F", bound=FrontEnd)


@asynccontextmanager
async def running(frontend: F) -> AsyncIterator[F]:
    """The front-end started for the block and stopped after it, also on failure."""
    await frontend.start()
    try:
        yield frontend
    finally:
        await frontend.stop()
