"""End to end in polling mode: the real PTB application against the fake Bot API."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from concierge.core.access import Role
from concierge.core.messages import Text, rows
from concierge.core.skill import Command, Context, Skill
from concierge.logging import configure_logging
from concierge.storage.db import Database
from tests.frontends.telegram.conftest import (
    OWNER,
    STRANGER,
    ScriptedAgent,
    Stack,
    build_stack,
    running,
)
from tests.support.fake_telegram import BOT_ID, TOKEN, FakeTelegram

API_URL = "https://api.telegram.org"


async def test_private_conversation_welcome_then_streamed_answer(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/start"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1, what="welcome")
        assert fake.sent_texts(OWNER)[0].startswith("Hi, Ann!")

        fake.push(fake.text_update(OWNER, "what can you do?"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2, what="answer")

    calls = fake.calls_to()
    assert all(c.ok for c in calls), fake.summary()
    methods = [c.method for c in calls]
    assert methods[0] == "getMe"
    assert "setMyCommands" in methods
    answer_at = max(i for i, m in enumerate(methods) if m == "sendMessage")
    drafts = [i for i, m in enumerate(methods) if m == "sendMessageDraft"]
    assert drafts and max(drafts) < answer_at  # the draft showed first, then one final message
    typing = methods.index("sendChatAction")  # "typing…" while the model works
    assert typing < answer_at
    final = calls[answer_at].params["text"]
    for draft_at in drafts:
        assert final.startswith(calls[draft_at].params["text"].split()[0])
    assert not fake.calls_to("editMessageText")


async def test_draft_refused_falls_back_to_one_edited_message(sqlite_db: Database) -> None:
    fake = FakeTelegram(drafts=False).start()
    try:
        agent = ScriptedAgent(["Dune ", "(2021) is ", "**great**", " — and long."], pause=0.08)
        stack = build_stack(sqlite_db, agent=agent)
        async with running(stack.frontend(fake)):
            fake.push(fake.text_update(OWNER, "tell me about Dune"))
            await fake.wait_for(
                lambda: any(
                    c.params.get("text") == "Dune (2021) is great — and long."
                    for c in fake.calls_to("editMessageText")
                ),
                what="final edit",
            )
        sent = [c for c in fake.calls_to("sendMessage") if c.ok]
        edits = [c for c in fake.calls_to("editMessageText") if c.ok]
        assert len(sent) == 1  # one message, edited as the answer grew
        assert {c.params["message_id"] for c in edits} == {sent[0].result["message_id"]}
        texts = [sent[0].params["text"]] + [c.params["text"] for c in edits]
        assert len(texts) == len(set(texts))  # never edited without a change
        bold = edits[-1].params["entities"]
        assert bold == [{"type": "bold", "offset": 15, "length": 5}]
    finally:
        fake.stop()


async def test_stream_edits_are_throttled(sqlite_db: Database) -> None:
    fake = FakeTelegram(drafts=False).start()
    try:
        agent = ScriptedAgent([f"word{i} " for i in range(40)], pause=0.01)
        stack = build_stack(sqlite_db, agent=agent)
        async with running(stack.frontend(fake, stream_interval=0.15)):
            fake.push(fake.text_update(OWNER, "talk"))
            await fake.wait_for(
                lambda: any("word39" in str(c.params.get("text")) for c in fake.calls_to()),
                what="final text",
            )
        updates = fake.calls_to("sendMessage", "editMessageText")
        assert 2 <= len(updates) <= 6  # 40 deltas over ~0.5 s, at most one update per 0.15 s
        gaps = [b.at - a.at for a, b in itertools.pairwise(updates[:-1])]  # the last is final
        assert all(gap >= 0.09 for gap in gaps), gaps  # 0.15 s apart, less HTTP jitter
    finally:
        fake.stop()


async def test_stranger_is_refused_and_owner_approves_by_button(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/start"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)

        fake.push(fake.text_update(STRANGER, "hello, find me Dune", name="Bob"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2, what="approval prompt")
        assert fake.sent_texts(STRANGER) == [stack.catalog.t("access.pending", "en")]
        prompt = fake.calls_to("sendMessage", chat_id=OWNER)[-1]
        assert "Bob" in prompt.params["text"]
        approve, _block = fake.last_keyboard(OWNER)[0]
        assert approve["text"] == "Approve"

        message = fake.message(OWNER, prompt.result["message_id"])
        fake.push(fake.press_update(OWNER, approve["callback_data"], message))
        await fake.wait_for(lambda: len(fake.sent_texts(STRANGER)) == 2, what="welcome notice")

    stranger = await stack.users.find("telegram", STRANGER)
    assert stranger is not None and stranger.role is Role.USER
    assert fake.sent_texts(STRANGER)[1] == stack.catalog.t("access.welcome", "en")
    assert fake.sent_texts(OWNER)[-1].startswith("Approved: Bob")
    assert all(c.ok for c in fake.calls_to("answerCallbackQuery"))
    assert len(fake.calls_to("answerCallbackQuery")) == 1


async def test_foreign_button_only_explains(fake: FakeTelegram, stack: Stack) -> None:
    group = -100500
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/menu", chat_id=group, kind="supergroup"))
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 1, what="menu")
        menu = fake.calls_to("sendMessage", chat_id=group)[-1]
        press_id = fake.last_keyboard(group)[0][0]["callback_data"]
        message = fake.message(group, menu.result["message_id"])

        fake.push(fake.press_update(STRANGER, press_id, message, name="Bob"))
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == 1)

        fake.push(fake.press_update(OWNER, press_id, message))
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 2, what="owner's press")

    answers = fake.calls_to("answerCallbackQuery")
    assert answers[0].ok and answers[0].params["text"] == stack.catalog.t("access.pending", "en")
    assert fake.sent_texts(group) == ["Pick one:", "pressed 42"]


async def test_button_of_another_approved_user_is_explained_as_toast(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    stack = build_stack(sqlite_db, mode="open")
    group = -100600
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/menu", chat_id=group, kind="supergroup"))
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 1)
        menu = fake.calls_to("sendMessage", chat_id=group)[-1]
        press_id = fake.last_keyboard(group)[0][0]["callback_data"]
        fake.push(
            fake.press_update(STRANGER, press_id, fake.message(group, menu.result["message_id"]))
        )
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == 1)
        await asyncio.sleep(0.1)

    answer = fake.calls_to("answerCallbackQuery")[0]
    assert answer.params["text"] == stack.catalog.t("buttons.not_yours", "en")
    assert fake.sent_texts(group) == ["Pick one:"]  # nothing else reached the group


async def test_button_from_before_a_restart_still_works(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    first = build_stack(sqlite_db)
    async with running(first.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/menu"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    menu = fake.calls_to("sendMessage", chat_id=OWNER)[-1]
    press_id = fake.last_keyboard(OWNER)[0][1]["callback_data"]

    second = build_stack(sqlite_db)  # a new process: nothing kept in memory
    async with running(second.frontend(fake)):
        fake.push(
            fake.press_update(OWNER, press_id, fake.message(OWNER, menu.result["message_id"]))
        )
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2)
    assert fake.sent_texts(OWNER)[-1] == "pressed 7"


async def test_expired_button_is_explained(fake: FakeTelegram, stack: Stack) -> None:
    message = {"message_id": 5, "chat": fake.chat(OWNER), "date": 0, "text": "old"}
    async with running(stack.frontend(fake)):
        fake.push(fake.press_update(OWNER, "no-such-button", message))
        await fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == 1)
    assert fake.calls_to("answerCallbackQuery")[0].params["text"] == stack.catalog.t(
        "buttons.expired", "en"
    )


async def test_press_is_answered_in_time_while_the_lane_is_busy(sqlite_db: Database) -> None:
    fake = FakeTelegram().start()
    try:
        slow = ScriptedAgent(["thinking ", "slowly"], pause=0.6)
        stack = build_stack(sqlite_db, agent=slow)
        async with running(stack.frontend(fake, callback_deadline=0.2)):
            fake.push(fake.text_update(OWNER, "/menu"))
            await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
            menu = fake.calls_to("sendMessage", chat_id=OWNER)[-1]
            press_id = fake.last_keyboard(OWNER)[0][0]["callback_data"]
            fake.push(fake.text_update(OWNER, "a long question"))
            await asyncio.sleep(0.05)
            pressed = fake.push(
                fake.press_update(OWNER, press_id, fake.message(OWNER, menu.result["message_id"]))
            )
            await fake.wait_for(lambda: "pressed 42" in fake.sent_texts(OWNER), seconds=5)
        answer = fake.calls_to("answerCallbackQuery")[0]
        assert answer.ok
        assert answer.at - fake.update_pushed_at[pressed] < 0.6  # before the busy lane freed
    finally:
        fake.stop()


async def test_group_messages_need_a_command_mention_or_reply(
    fake: FakeTelegram, sqlite_db: Database
) -> None:
    agent = ScriptedAgent(["ok"], pause=0)
    stack = build_stack(sqlite_db, agent=agent, mode="open")
    group = -100700
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "chatting among friends", chat_id=group, kind="group"))
        fake.push(fake.text_update(OWNER, "/menu@some_other_bot", chat_id=group, kind="group"))
        fake.push(
            fake.text_update(OWNER, "@concierge_test_bot find Dune", chat_id=group, kind="group")
        )
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 1, what="mention answer")
        bot_message = fake.message(group, fake.calls_to("sendMessage")[-1].result["message_id"])
        fake.push(
            fake.text_update(OWNER, "and more?", chat_id=group, kind="group", reply_to=bot_message)
        )
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 2, what="reply answer")
        fake.push(fake.text_update(OWNER, "/menu@concierge_test_bot", chat_id=group, kind="group"))
        await fake.wait_for(lambda: len(fake.sent_texts(group)) == 3, what="command")
        await asyncio.sleep(0.1)
    assert fake.sent_texts(group) == ["ok", "ok", "Pick one:"]
    replies = fake.calls_to("sendMessage", chat_id=group)
    assert all(c.params["reply_parameters"]["message_id"] for c in replies)
    assert bot_message["from"]["id"] == BOT_ID


async def test_deep_link_payload_reaches_the_skill(fake: FakeTelegram, stack: Stack) -> None:
    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/start m_693134"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
    assert fake.sent_texts(OWNER) == ["movie card 693134"]


async def test_commands_are_published_in_english_and_russian(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        pass
    menus = fake.calls_to("setMyCommands")
    assert all(c.ok for c in menus)
    public = {c.params.get("language_code"): c for c in menus if "scope" not in c.params}
    assert set(public) == {None, "ru"}
    names = [c["command"] for c in public[None].params["commands"]]
    assert names[:4] == ["start", "help", "cancel", "language"]
    assert "admin_only" not in names  # admins see it in their own chat only
    ru = {c["command"]: c["description"] for c in public["ru"].params["commands"]}
    assert ru["help"] == stack.catalog.t("help.help", "ru")
    owner_menus = [c for c in menus if c.params.get("scope", {}).get("chat_id") == OWNER]
    assert any("admin_only" in str(c.params["commands"]) for c in owner_menus)


async def test_blocking_and_unblocking_the_bot_is_noticed(fake: FakeTelegram, stack: Stack) -> None:
    def membership(status: str, old: str) -> dict[str, object]:
        bot = fake.bot_user()
        return {
            "my_chat_member": {
                "chat": fake.chat(OWNER),
                "from": fake.user(OWNER),
                "date": 1_700_000_000,
                "old_chat_member": {"user": bot, "status": old, "until_date": 0},
                "new_chat_member": {"user": bot, "status": status, "until_date": 0},
            }
        }

    async def unreachable() -> bool:
        owner = await stack.users.find("telegram", OWNER)
        return owner is not None and owner.unreachable

    async with running(stack.frontend(fake)):
        fake.push(fake.text_update(OWNER, "/start"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1)
        fake.push(membership("kicked", "member"))
        for _ in range(100):
            if await unreachable():
                break
            await asyncio.sleep(0.02)
        assert await unreachable()
        fake.push(membership("member", "kicked"))
        for _ in range(100):
            if not await unreachable():
                break
            await asyncio.sleep(0.02)
        assert not await unreachable()


class TrackerDown(RuntimeError):
    """What a skill's service raises when the service behind it fails."""


def failing_skill(delay: float) -> Skill:
    """A button whose handler fails after ``delay`` seconds, like a slow tracker timing out."""

    async def offer(ctx: Context) -> None:
        button = await ctx.button("Send to client", "failing.send", {"id": 7})
        await ctx.reply(Text("Dune (2021) 2160p", buttons=rows(button)))

    async def send(ctx: Context, payload: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        # An HTTP library's error may quote its request URL, and Bot API URLs carry the token.
        raise TrackerDown(f"request to {API_URL}/bot{TOKEN}/getFile failed for {payload['id']}")

    return Skill(
        name="failing",
        commands=[Command("offer", "help.help", offer)],
        buttons={"failing.send": send},
    )


@pytest.fixture
def operator_log() -> Iterator[io.StringIO]:
    """The log as the operator sees it: the production pipeline, told the bot token."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("INFO", "json", "production", secrets=[TOKEN], stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()


@pytest.mark.parametrize("delay", [0.0, 0.6], ids=["fails-at-once", "fails-after-deadline"])
async def test_press_whose_handler_raises_is_answered_and_explained(
    fake: FakeTelegram, sqlite_db: Database, operator_log: io.StringIO, delay: float
) -> None:
    stack = build_stack(sqlite_db, skills=[failing_skill(delay)])
    deadline = 0.3
    async with running(stack.frontend(fake, callback_deadline=deadline)):
        fake.push(fake.text_update(OWNER, "/offer", language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 1, what="offer")
        offer = fake.calls_to("sendMessage", chat_id=OWNER)[-1]
        button = fake.last_keyboard(OWNER)[0][0]["callback_data"]
        message = fake.message(OWNER, offer.result["message_id"])
        pressed = fake.push(fake.press_update(OWNER, button, message, language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 2, what="failure notice")
        await asyncio.sleep(0.1)  # anything else it would send

    answers = fake.calls_to("answerCallbackQuery")
    assert len(answers) == 1 and answers[0].ok  # the button stops spinning, exactly once
    assert answers[0].at - fake.update_pushed_at[pressed] < deadline + 0.2
    assert fake.sent_texts(OWNER)[-1] == stack.catalog.t("errors.generic", "ru")

    output = operator_log.getvalue()
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    records = [json.loads(line) for line in output.splitlines()]
    failures = [r for r in records if r["level"] in ("error", "critical")]
    assert len(failures) == 1, failures  # one event per failure
    assert failures[0]["update_id"] == pressed
    assert failures[0]["chat"] == OWNER
    assert "TrackerDown" in failures[0]["exception"]


async def test_deep_links_reach_their_handlers_and_unknown_ones_get_the_welcome(
    fake: FakeTelegram, stack: Stack
) -> None:
    async with running(stack.frontend(fake)):
        for payload in ("m_693134", "t_a1b2c3", "p_1190668", "zz_42", "m693134"):
            fake.push(fake.text_update(OWNER, f"/start {payload}"))
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 5, what="five answers")
        fake.push(fake.text_update(STRANGER, "/start x_1", name="Бора", language="ru"))
        await fake.wait_for(lambda: len(fake.sent_texts(STRANGER)) == 1, what="stranger")
        # the owner is asked about the stranger once; wait for it, or it races the stop
        await fake.wait_for(lambda: len(fake.sent_texts(OWNER)) == 6, what="approval prompt")

    welcome = stack.catalog.t("start.welcome", "en", name="Ann")
    assert "wants to use the bot" in fake.sent_texts(OWNER)[5]
    assert fake.sent_texts(OWNER)[:5] == [
        "movie card 693134",
        "torrent card a1b2c3",
        "person card 1190668",
        welcome,  # no skill owns "zz_"
        welcome,  # "m" without its underscore is no movie link
    ]
    # a stranger's link waits for approval like any other message
    assert fake.sent_texts(STRANGER) == [stack.catalog.t("access.pending", "ru")]
