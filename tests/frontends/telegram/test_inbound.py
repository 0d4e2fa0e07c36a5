"""The inbound pipeline through the real Telegram front-end: a voice note becomes text first.

The processor here stands in for speech recognition (the voice skill brings the real
one): it reads the note's bytes as the words spoken, edits a progress message, and
hands the text on, so the agent, a command or an open flow sees a plain message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from concierge.core.inbound import ProcessingFailed
from concierge.core.messages import Attachment, AttachmentKind, Text
from concierge.core.skill import Context, Skill
from concierge.storage.db import Database
from tests.fakes.agent import FakeAgent
from tests.frontends.telegram.conftest import OWNER, build_stack, running
from tests.support.fake_telegram import FakeTelegram


@dataclass
class SpokenWords:
    name: str = "test.voice"
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    def accepts(self, attachment: Attachment) -> bool:
        return attachment.kind is AttachmentKind.VOICE

    async def process(self, ctx: Context, attachment: Attachment) -> str:
        handle = await ctx.reply("🎙 Listening…")
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        assert attachment.fetch is not None
        words = (await attachment.fetch()).decode()
        if not words:
            raise ProcessingFailed("errors.generic")
        if handle is not None:
            await ctx.outbox.edit(handle, Text(f"🎙 “{words}”"))
        return words


def voice(file_id: str, size: int) -> dict[str, object]:
    return {"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": 3, "file_size": size}


def listening_skill(processor: SpokenWords) -> Skill:
    return Skill(name="test.listening", processors=[processor])


async def test_a_voice_note_reaches_the_agent_as_text_and_commands_work_by_voice(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    agent = FakeAgent()
    stack = build_stack(sqlite_db, agent=agent, skills=[listening_skill(SpokenWords())])
    fake.add_file("v-1", b"find Dune in 4K")
    fake.add_file("v-2", b"/timezone Berlin")
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", voice=voice("v-1", 15)))
        await fake.wait_for(lambda: len(agent.seen) == 1, what="the agent")
        fake.push(fake.text_update(OWNER, "", voice=voice("v-2", 16)))
        await fake.wait_for(
            lambda: any(t.startswith("Time zone set") for t in fake.sent_texts(OWNER)),
            what="the spoken command",
        )
    assert agent.seen == [(f"telegram:{OWNER}", "find Dune in 4K")]
    edits = [c.params["text"] for c in fake.calls_to("editMessageText")]
    assert "🎙 “find Dune in 4K”" in edits


async def test_a_note_that_cannot_be_read_is_explained_and_goes_no_further(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    agent = FakeAgent()
    stack = build_stack(sqlite_db, agent=agent, skills=[listening_skill(SpokenWords())])
    fake.add_file("v-0", b"")
    photo = [{"file_id": "p-1", "file_unique_id": "up1", "width": 1, "height": 1}]
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", voice=voice("v-0", 0), language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2, what="the apology")
        fake.push(fake.text_update(OWNER, "", photo=photo))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 3, what="unsupported")
    assert agent.seen == []
    assert fake.sent_texts(OWNER)[1] == stack.catalog.t("errors.generic", "ru")
    assert fake.sent_texts(OWNER)[2] == stack.catalog.t("attachments.unsupported", "en")


async def test_cancel_stops_a_note_being_processed(fake: FakeTelegram, sqlite_db: Database) -> None:
    agent = FakeAgent()
    words = SpokenWords(gate=asyncio.Event())
    stack = build_stack(sqlite_db, agent=agent, skills=[listening_skill(words)])
    fake.add_file("v-3", b"a very long note")
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "", voice=voice("v-3", 16)))
        await asyncio.wait_for(words.started.wait(), 10)
        fake.push(fake.text_update(OWNER, "/cancel"))
        await fake.wait_for(lambda: "Cancelled." in fake.sent_texts(OWNER), what="cancelled")
        words.gate.set()  # had it not been cancelled, it would go on now
        await asyncio.sleep(0)
    assert agent.seen == []
