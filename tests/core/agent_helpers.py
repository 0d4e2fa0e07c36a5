"""Shared set-up for the agent, offline-model and /model tests: a real DB, user and Context."""

from __future__ import annotations

from dataclasses import dataclass, field

from concierge.core.access import Role
from concierge.core.agent import PydanticAgentRunner, build_agent_runner
from concierge.core.i18n import Catalog
from concierge.core.messages import Button, ChatRef, Inbound, UserRef
from concierge.core.metrics import Metrics
from concierge.core.model_choice import LLMSettings
from concierge.core.registry import Registry
from concierge.core.skill import Context
from concierge.storage.buttons import SqlButtonStore
from concierge.storage.db import Database
from concierge.storage.flows import SqlFlows
from concierge.storage.repos import HistoryRepo, UserRepo
from tests.support.outbox import RecordingOutbox


@dataclass
class World:
    db: Database
    catalog: Catalog = field(default_factory=Catalog.load)
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.users = UserRepo(self.db)
        self.history = HistoryRepo(self.db)
        self.buttons = SqlButtonStore(self.db)
        self.flows = SqlFlows(self.db)

    def runner(self, registry: Registry, llm: LLMSettings | None = None) -> PydanticAgentRunner:
        """The real agent runner over this world's storage (offline unless ``llm`` says)."""
        return build_agent_runner(
            llm=llm or LLMSettings(),
            registry=registry,
            history=self.history,
            users=self.users,
            metrics=self.metrics,
            catalog=self.catalog,
        )

    async def context(
        self,
        platform_id: int = 7,
        lang: str = "en",
        text: str = "",
        chat_id: int | None = None,
        outbox: RecordingOutbox | None = None,
    ) -> tuple[Context, RecordingOutbox]:
        ref = UserRef("telegram", platform_id, f"user{platform_id}", lang)
        record = await self.users.upsert(ref, Role.USER)
        record = await self.users.get(record.id) or record
        box = outbox or RecordingOutbox()
        chat = ChatRef("telegram", platform_id if chat_id is None else chat_id)
        ctx = Context(
            inbound=Inbound(user=ref, chat=chat, text=text),
            user=record,
            lang=lang,
            outbox=box,
            catalog=self.catalog,
            button_store=self.buttons,
            flows=self.flows,
        )
        return ctx, box

    async def payload_of(self, button: Button) -> tuple[str, dict[str, object]]:
        assert button.id is not None
        stored = await self.buttons.get(button.id)
        assert stored is not None
        return stored.action, stored.payload


def metric(world: World, name: str, **labels: str) -> float:
    return world.metrics.registry.get_sample_value(name, labels) or 0.0
