"""Slash commands are the core registry, as Discord receives them at start."""

from __future__ import annotations

from typing import Any

from concierge.core.access import Role
from concierge.core.skill import Command, Context, Skill
from concierge.storage.db import Database
from tests.frontends.discord.conftest import OWNER, Stack, build_stack, running
from tests.support.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord

GLOBAL = "PUT /applications/{app_id}/commands"
GUILD = "PUT /applications/{app_id}/guilds/{guild_id}/commands"


def registered(fake: FakeDiscord, scope: str = str(GUILD_ID)) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in fake.commands[scope]}


async def test_registered_commands_equal_the_registry_with_russian_texts(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        pass
    commands = registered(fake)
    assert set(commands) == {c.name for c in stack.registry.listed_commands()}
    assert not fake.calls_to(GLOBAL)  # DISCORD_GUILD_IDS: synced to the guild, instantly
    ru, en = "ru", "en"
    for command in stack.registry.listed_commands():
        shown = commands[command.name]
        assert shown["description"] == stack.catalog.t(command.help_key, en)[:100]
        assert shown["description_localizations"] == {
            "ru": stack.catalog.t(command.help_key, ru)[:100]
        }
        assert [o["name"] for o in shown["options"]] == [
            a.name for a in sorted(command.arguments, key=lambda a: not a.required)
        ]
    assert commands["help"]["name_localizations"] == {"ru": "помощь"}
    find = commands["find"]["options"]
    assert [(o["name"], o["type"], o["required"]) for o in find] == [
        ("title", 3, True),
        ("year", 4, False),
    ]
    (free_text,) = commands["menu"]["options"]  # no schema: one optional free-text option
    assert (free_text["name"], free_text["type"], free_text["required"]) == ("text", 3, False)
    assert free_text["description_localizations"]["ru"] == stack.catalog.t("commands.arg.text", ru)


async def test_commands_a_user_may_not_use_are_hidden_and_still_refused(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    stack = build_stack(sqlite_db, mode="open")
    async with running(stack.frontend(fake)):
        fake.dispatch("INTERACTION_CREATE", fake.payloads.slash(OWNER + 1, "admin_only"))
        await fake.wait_for(lambda: bool(fake.visible(CHANNEL_ID)), what="the refusal")
    commands = registered(fake)
    assert commands["admin_only"]["default_member_permissions"] == "0"
    assert commands["menu"]["default_member_permissions"] is None
    (refusal,) = fake.visible(CHANNEL_ID)
    assert refusal["content"] == stack.catalog.t("access.forbidden", "en")
    assert refusal["flags"] & 64


async def test_a_skill_adding_a_command_changes_the_registered_set(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    async def watch(ctx: Context) -> None:
        await ctx.reply(f"watching {ctx.inbound.args}")

    extra = Skill(name="watch", commands=[Command("watch", "help.help", watch)])
    stack = build_stack(sqlite_db, skills=[extra])
    async with running(stack.frontend(fake, guild_ids=[])):
        fake.dispatch("INTERACTION_CREATE", fake.payloads.slash(OWNER, "watch", {"text": "Dune"}))
        await fake.wait_for(lambda: bool(fake.visible(CHANNEL_ID)), what="the answer")
    assert "watch" in registered(fake, "global")  # no guilds configured: global commands
    assert fake.visible(CHANNEL_ID)[0]["content"] == "watching Dune"
    assert not fake.calls_to(GUILD)


async def test_a_russian_user_gets_answers_in_russian(fake: FakeDiscord, stack: Stack) -> None:
    async with running(stack.frontend(fake)):
        slash = fake.payloads.slash(OWNER, "cancel", locale="ru")
        fake.dispatch("INTERACTION_CREATE", slash)
        await fake.wait_for(lambda: bool(fake.visible(CHANNEL_ID)), what="the answer")
    assert fake.visible(CHANNEL_ID)[0]["content"] == stack.catalog.t("cancel.done", "ru")
    user = await stack.users.find("discord", OWNER)
    assert user is not None and user.role is Role.OWNER
