"""The downloads tools through the real agent: offline phrases in English and Russian, and a
model that tries to act on someone else's download."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from concierge.bootstrap import App
from concierge.core.agent import PydanticAgentRunner
from concierge.skills.downloads.models import DownloadRow
from daemons import random_magnet
from tests.fakes.agent import FakeModels, Script
from tests.skills.downloads.support import torrent_card_button
from tests.support.app import Person

BAR_AT_ZERO = "▱▱▱▱▱▱▱▱▱▱ 0%"


async def owner_with_a_download(app: App, lang: str = "en") -> tuple[Person, str]:
    owner = Person(app, 1, lang=lang)  # the operator's client serves the owner
    magnet, info_hash = random_magnet("Agent.Listed.2021.1080p")
    await owner.say("/start")
    await owner.press(await torrent_card_button(app, owner, name="Agent Listed", magnet=magnet))
    owner.outbox.clear()
    return owner, info_hash


def labels(person: Person) -> list[str]:
    return [button.label for button in person.outbox.buttons()]


async def test_show_my_downloads_sends_the_downloads_view(app: App) -> None:
    owner, _ = await owner_with_a_download(app)
    await owner.say("/downloads")
    command_view, command_buttons = owner.outbox.texts(), labels(owner)
    owner.outbox.clear()

    await owner.say("show my downloads")

    shown = owner.outbox.texts()
    assert shown[0] == command_view[0] == "Your downloads:"
    assert shown[1].startswith("Agent.Listed.2021.1080p\n" + BAR_AT_ZERO)
    assert labels(owner) == command_buttons == ["⏸ Pause", "🗑 Remove", "🗑 Remove with files"]
    assert shown[-1] == "Done."  # the model-facing summary is not echoed to the user


@pytest.mark.parametrize("phrase", ["мои загрузки", "покажи загрузки", "что качается?"])
async def test_russian_phrases_show_the_downloads_in_russian(app: App, phrase: str) -> None:
    owner, _ = await owner_with_a_download(app, lang="ru")
    await owner.say(phrase)
    shown = owner.outbox.texts()
    assert shown[0] == "Ваши загрузки:"
    assert shown[1].startswith("Agent.Listed.2021.1080p\n" + BAR_AT_ZERO)
    assert "⏸ Пауза" in labels(owner)


async def test_a_user_without_downloads_is_told_so(app: App) -> None:
    person = Person(app, 42)
    await person.say("/start")
    person.outbox.clear()
    await person.say("what's downloading")
    assert person.outbox.texts() == [
        "You have no downloads in progress. Find something and tap “Send to my client”.",
        "Done.",
    ]


async def test_no_tool_takes_a_user_from_the_model(app: App) -> None:
    skill = next(s for s in app.registry.skills if s.name == "downloads")
    assert {tool.name for tool in skill.tools} == {"list_downloads", "control_download"}
    for tool in skill.tools:
        params = set(tool.tool_def.parameters_json_schema.get("properties", {}))
        assert not {p for p in params if "user" in p or "chat" in p or "owner" in p}, tool.name


async def test_a_model_cannot_remove_another_users_download(app: App) -> None:
    owner, _ = await owner_with_a_download(app)
    async with app.db.session() as s:
        owners_download = await s.scalar(select(DownloadRow.id))
    runner = app.dispatcher.agent
    assert isinstance(runner, PydanticAgentRunner)
    runner.models = FakeModels.scripted(
        Script({"control_download": {"download_id": owners_download, "action": "remove"}})
    )
    intruder = Person(app, 66)
    await intruder.say("/start")
    intruder.outbox.clear()

    await intruder.say("remove download number one")

    assert intruder.outbox.texts()[0] == "That download is no longer in your list."
    await owner.say("/downloads")  # still the owner's, still in the client
    assert "Agent.Listed.2021.1080p" in owner.outbox.all_text()
    assert "no longer in the client" not in owner.outbox.all_text()


async def test_a_model_pauses_the_users_own_download(app: App) -> None:
    owner, _ = await owner_with_a_download(app)
    async with app.db.session() as s:
        download_id = await s.scalar(select(DownloadRow.id))
    runner = app.dispatcher.agent
    assert isinstance(runner, PydanticAgentRunner)
    runner.models = FakeModels.scripted(
        Script({"control_download": {"download_id": download_id, "action": "pause"}})
    )

    await owner.say("pause it")

    assert owner.outbox.texts() == [
        "Paused: Agent.Listed.2021.1080p",
        "Done: control_download=Paused: Agent.Listed.2021.1080p",
    ]
    for _ in range(30):  # the daemon applies the stop on its next tick
        owner.outbox.clear()
        await owner.say("/downloads")
        if "paused" in owner.outbox.all_text():
            break
        await asyncio.sleep(0.2)
    assert BAR_AT_ZERO + " · paused" in owner.outbox.all_text()
