"""End to end: the real discord.py client against the fake Discord, through the core."""

from __future__ import annotations

from typing import Any

from concierge.core.access import Role
from concierge.storage.db import Database
from tests.fakes.agent import FakeAgent
from tests.frontends.discord.conftest import (
    ACK_DEADLINE,
    OWNER,
    STRANGER,
    Stack,
    build_stack,
    running,
)
from tests.support.fake_discord import BOT_ID, CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.support.fake_discord_payloads import EPHEMERAL

CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"
ORIGINAL = "PATCH /webhooks/{app_id}/{token}/messages/{message_id}"
FOLLOWUP = "POST /webhooks/{app_id}/{token}"
SEND = "POST /channels/{channel_id}/messages"
EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [b["custom_id"] for row in message["components"] for b in row["components"]]


def callbacks_for(fake: FakeDiscord, interaction: dict[str, Any]) -> list[Any]:
    return [c for c in fake.calls_to(CALLBACK) if interaction["id"] in c.path]


async def test_slash_command_is_deferred_then_answered_with_a_card_and_buttons(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        find = fake.payloads.slash(OWNER, "find", {"title": "Dune", "year": 2021})
        fake.dispatch("INTERACTION_CREATE", find)
        await fake.wait_for(lambda: bool(fake.calls_to(ORIGINAL)), what="the answer")

    (ack,) = callbacks_for(fake, find)
    assert ack.body == {"type": 5}  # deferred: the "search" takes longer than the deadline
    waited = fake.payloads.acked_at[find["id"]] - fake.payloads.dispatched_at[find["id"]]
    assert ACK_DEADLINE <= waited < 3.0
    answer = fake.calls_to(ORIGINAL)[-1]
    (embed,) = answer.body["embeds"]
    assert embed["title"] == "Dune 2021 *_["  # options in schema order, as /find Dune 2021
    assert embed["url"] == "https://www.themoviedb.org/movie/438631"
    assert embed["description"] == "Paul Atreides unites with the **Fremen**."
    assert embed["image"] == {"url": "https://image.example.org/t/p/w500/dune.jpg"}
    shown = fake.messages[int(answer.result["id"])]
    assert [b["label"] for row in shown["components"] for b in row["components"]] == [
        "Find torrents",
        "Details",
    ]
    assert not shown["flags"] & EPHEMERAL


async def test_button_presses_by_owner_work_by_others_are_refused_and_survive_restart(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    stack = build_stack(sqlite_db, mode="open")
    async with running(stack.frontend(fake)):
        fake.dispatch("INTERACTION_CREATE", fake.payloads.slash(OWNER, "menu"))
        await fake.wait_for(lambda: bool(fake.visible(CHANNEL_ID)), what="the menu")
        menu = fake.visible(CHANNEL_ID)[0]
        first, second = custom_ids(menu)

        press = fake.payloads.press(OWNER, first, int(menu["id"]))
        fake.dispatch("INTERACTION_CREATE", press)
        await fake.wait_for(lambda: len(fake.visible(CHANNEL_ID)) == 2, what="press answer")
        assert fake.visible(CHANNEL_ID)[1]["content"] == "pressed 42"

        foreign = fake.payloads.press(STRANGER, first, int(menu["id"]), name="Bob")
        fake.dispatch("INTERACTION_CREATE", foreign)
        await fake.wait_for(lambda: len(fake.visible(CHANNEL_ID)) == 3, what="refusal")
        refusal = fake.visible(CHANNEL_ID)[2]
        assert refusal["content"] == stack.catalog.t("buttons.not_yours", "en")
        assert refusal["flags"] & EPHEMERAL  # only the presser sees it

    restarted = build_stack(sqlite_db, mode="open")  # a new process over the same database
    async with running(restarted.frontend(fake)):
        fake.dispatch("INTERACTION_CREATE", fake.payloads.press(OWNER, second, int(menu["id"])))
        await fake.wait_for(lambda: len(fake.visible(CHANNEL_ID)) == 4, what="press after restart")
    assert fake.visible(CHANNEL_ID)[3]["content"] == "pressed 7"
    assert all(c.ok for c in fake.calls), fake.summary()


async def test_stranger_is_refused_ephemerally_and_owner_approves_from_a_dm(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        fake.dispatch("MESSAGE_CREATE", fake.payloads.message_create(OWNER, "/start"))
        await fake.wait_for(lambda: len(fake.messages) == 1, what="owner welcome")
        owner_dm = fake.payloads.dm_channels[OWNER]

        find = fake.payloads.slash(STRANGER, "find", {"title": "Dune"}, name="Bob")
        fake.dispatch("INTERACTION_CREATE", find)
        await fake.wait_for(lambda: len(fake.visible(owner_dm)) == 2, what="approval prompt")
        (refusal,) = fake.visible(CHANNEL_ID)
        assert refusal["content"] == stack.catalog.t("access.pending", "en")
        assert refusal["flags"] & EPHEMERAL
        prompt = fake.visible(owner_dm)[1]
        assert "Bob" in prompt["content"]
        approve, _block = custom_ids(prompt)

        fake.dispatch("INTERACTION_CREATE", fake.payloads.press(OWNER, approve, int(prompt["id"])))
        await fake.wait_for(lambda: STRANGER in fake.payloads.dm_channels, what="welcome DM")
        stranger_dm = fake.payloads.dm_channels[STRANGER]
        await fake.wait_for(lambda: bool(fake.visible(stranger_dm)), what="welcome DM sent")
        assert fake.visible(stranger_dm)[0]["content"] == stack.catalog.t("access.welcome", "en")

        fake.dispatch("INTERACTION_CREATE", fake.payloads.slash(STRANGER, "menu", name="Bob"))
        await fake.wait_for(lambda: len(fake.visible(CHANNEL_ID)) == 2, what="menu for Bob")
    stranger = await stack.users.find("discord", STRANGER)
    assert stranger is not None and stranger.role is Role.USER
    assert fake.visible(CHANNEL_ID)[1]["content"] == "Pick one:"
    assert fake.visible(owner_dm)[-1]["content"].startswith("Approved: Bob")


async def test_guild_messages_are_answered_only_when_addressed(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        say = fake.payloads.message_create
        fake.dispatch("MESSAGE_CREATE", say(OWNER, "/menu", guild=True))  # not for the bot
        fake.dispatch("MESSAGE_CREATE", say(OWNER, "/menu", guild=True, mention=True))
        await fake.wait_for(lambda: len(fake.visible(CHANNEL_ID)) == 1, what="menu")
        menu = fake.visible(CHANNEL_ID)[0]
        fake.dispatch(
            "MESSAGE_CREATE", say(OWNER, "/burst 1", guild=True, reply_to=int(menu["id"]))
        )
        await fake.wait_for(lambda: len(fake.visible(CHANNEL_ID)) == 2, what="reply answered")
    assert fake.visible(CHANNEL_ID)[1]["content"] == "burst 0"
    quoted = [c.body.get("message_reference") for c in fake.calls_to(SEND)]
    assert all(q and q["fail_if_not_exists"] is False for q in quoted)  # each quotes its ask
    assert fake.intents is not None and fake.intents & (1 << 15)  # Message Content intent
    assert fake.visible(CHANNEL_ID)[0]["guild_id"] == str(GUILD_ID)
    assert all(m["author"]["id"] == str(BOT_ID) for m in fake.visible(CHANNEL_ID))


async def test_work_that_outlives_the_interaction_token_posts_to_the_channel(
    fake: FakeDiscord, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        late = fake.payloads.slash(OWNER, "burst", {"text": "2"}, ago=14.5 * 60)
        fake.dispatch("INTERACTION_CREATE", late)
        await fake.wait_for(
            lambda: [m["content"] for m in fake.visible(CHANNEL_ID)] == ["burst 0", "burst 1"],
            what="channel posts, and no thinking… message left",
        )
    assert len(fake.calls_to(SEND)) == 2
    assert not fake.calls_to(ORIGINAL) and not fake.calls_to(FOLLOWUP)
    assert [m["content"] for m in fake.visible(CHANNEL_ID)] == ["burst 0", "burst 1"]
    (ack,) = callbacks_for(fake, late)  # still acknowledged, so Discord shows no failure
    assert ack.ok


async def test_bare_links_in_listed_channels_reach_the_core_without_a_mention(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    agent = FakeAgent()
    stack = build_stack(sqlite_db, agent=agent, mode="open")
    async with running(stack.frontend(fake, link_channels=[CHANNEL_ID])):
        say = fake.payloads.message_create
        fake.dispatch("MESSAGE_CREATE", say(OWNER, "nice weather", guild=True))
        fake.dispatch("MESSAGE_CREATE", say(OWNER, "https://video.example/watch?v=1", guild=True))
        await fake.wait_for(lambda: bool(fake.visible(CHANNEL_ID)), what="the answer")
    assert agent.seen == [(f"discord:{OWNER}", "https://video.example/watch?v=1")]
