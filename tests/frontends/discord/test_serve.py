"""`concierge serve` runs the Discord front-end beside the HTTP app when a token is set."""

from __future__ import annotations

import asyncio
from pathlib import Path

from concierge.core.access import Role
from concierge.serve import run_server
from concierge.storage.db import Database
from concierge.storage.repos import UserRepo
from tests.support.app import test_settings as settings_for
from tests.support.fake_discord import CHANNEL_ID, TOKEN, FakeDiscord

OWNER = 455555555555555555


async def test_serve_connects_discord_syncs_commands_and_answers_the_owner(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    settings = settings_for(
        tmp_path,
        owner_ids=[f"discord:{OWNER}"],
        discord_bot_token=TOKEN,
        discord_api_base_url=fake.base_url,
        discord_gateway_url=fake.gateway_url,
        discord_guild_ids=["700000000000000001"],
        http_port=0,
    )
    stop = asyncio.Event()
    ready = asyncio.Event()
    server = asyncio.create_task(
        run_server(settings, stop=stop, on_ready=lambda _port: ready.set())
    )
    try:
        await asyncio.wait_for(ready.wait(), 30)
        fake.dispatch("INTERACTION_CREATE", fake.payloads.slash(OWNER, "help"))
        await fake.wait_for(
            lambda: "/library" in "".join(m["content"] for m in fake.visible(CHANNEL_ID)),
            what="/help answered",
        )
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)
    # with every skill's commands /help is past Discord's 2,000 characters: split in order
    help_text = "\n".join(m["content"] for m in fake.visible(CHANNEL_ID))
    assert "/find" in help_text and "/library" in help_text  # the owner sees all
    names = {c["name"] for c in fake.commands["700000000000000001"]}
    assert {"start", "help", "find", "downloads", "library", "model"} <= names
    db = Database(settings.effective_database_url())
    try:
        owner = await UserRepo(db).find("discord", OWNER)
    finally:
        await db.close()
    assert owner is not None and owner.role is Role.OWNER  # OWNER_IDS=discord:<id>
