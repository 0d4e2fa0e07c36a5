"""The real application (bootstrap) on a fake clock, with a stand-in for speech recognition.

``SpokenWords`` reads a voice note's bytes as the words spoken (the voice service brings
the real transcriber), so "answering by voice" goes through the core's inbound pipeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from concierge.bootstrap import App, build_app
from concierge.core.deps import CoreServices
from concierge.core.messages import (
    Attachment,
    AttachmentKind,
    Card,
    ChatRef,
    Inbound,
    MessageHandle,
    Reply,
    Text,
)
from concierge.core.notify import RecipientUnreachable
from concierge.core.skill import Context, Skill
from concierge.storage.db import Database
from tests.conftest import _truncate
from tests.fakes.clock import FakeClock
from tests.support.app import Person, test_settings
from tests.support.outbox import RecordingOutbox

START = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)


@dataclass
class SpokenWords:
    name: str = "test.voice"

    def accepts(self, attachment: Attachment) -> bool:
        return attachment.kind is AttachmentKind.VOICE

    async def process(self, ctx: Context, attachment: Attachment) -> str:
        assert attachment.fetch is not None
        return (await attachment.fetch()).decode()


def listening(_core: CoreServices) -> Skill:
    return Skill(name="test.listening", processors=[SpokenWords()])


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the app's database: a file in the test's folder, or the session's
    Postgres database emptied first (jobs on the embedded engine, as on SQLite)."""
    if request.param == "sqlite":
        return {}
    url: str = request.getfixturevalue("postgres_url")
    db = Database(url)
    try:
        await _truncate(db)
    finally:
        await db.close()
    return {"database_url": url, "jobs_backend": "embedded"}


@asynccontextmanager
async def retro_app(tmp_path: Path, clock: FakeClock, **overrides: Any) -> AsyncIterator[App]:
    settings = test_settings(tmp_path, allow_private_client_urls=True, **overrides)
    app = await build_app(settings, extra_skills=[listening], clock=clock)
    for skill in app.registry.skills:  # the stand-in hears the notes, not the real Whisper
        if skill.name == "voice":
            skill.processors.clear()
    try:
        yield app
    finally:
        await app.close()


async def speak(person: Person, words: str) -> RecordingOutbox:
    """A voice note whose content is ``words``."""
    data = words.encode()

    async def fetch() -> bytes:
        return data

    note = Attachment(AttachmentKind.VOICE, f"v{len(data)}", size=len(data), fetch=fetch)
    inbound = Inbound(
        user=person.ref, chat=ChatRef(person.ref.platform, person.ref.id), attachments=(note,)
    )
    await person.app.dispatcher.handle(inbound, person.outbox)
    return person.outbox


@dataclass
class Delivered:
    platform_id: int
    reply: Reply
    at: datetime


class RecordingSender:
    """The platform side of bot-initiated messages; ``unreachable`` ids refuse them."""

    def __init__(self, clock: FakeClock, unreachable: frozenset[int] = frozenset()) -> None:
        self.clock = clock
        self.unreachable = unreachable
        self.sent: list[Delivered] = []

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        if platform_user_id in self.unreachable:
            raise RecipientUnreachable(f"user {platform_user_id} blocked the bot")
        self.sent.append(Delivered(platform_user_id, reply, self.clock.now()))
        return MessageHandle("telegram", platform_user_id, (len(self.sent),))

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        return True

    def to(self, platform_id: int) -> list[Delivered]:
        return [d for d in self.sent if d.platform_id == platform_id]
