"""The way of one message: access, approval, buttons, ordering, de-duplication."""

from __future__ import annotations

import asyncio
from pathlib import Path

from concierge.core.access import Role
from tests.fakes.agent import FakeAgent
from tests.support.app import Person, running_app
from tests.support.outbox import RecordingOutbox

REFUSAL = "Sorry, this is a private bot"


async def test_stranger_reaches_neither_agent_nor_any_command_until_approved(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path) as app:
        agent = FakeAgent()
        app.dispatcher.agent = agent
        owner_inbox = RecordingOutbox()
        app.notifier.register("telegram", owner_inbox)
        owner = Person(app, 1, "Olga")
        await owner.say("/start")  # owner known to the bot
        stranger = Person(app, 500, "Stan")

        commands = [c.name for c in app.registry.listed_commands()]
        for text in [*(f"/{name}" for name in commands), "hello", "find Dune"]:
            await stranger.say(text)
        # a stolen button id (the owner's) is refused too
        await owner.say("/language")
        await stranger.press(owner.outbox.buttons()[0].id)

        assert agent.seen == []
        # one polite refusal, not one per message (at most one an hour)
        assert [t[: len(REFUSAL)] for t in stranger.outbox.texts()] == [REFUSAL]
        await app.jobs.run_until_idle()  # prompts go out as jobs
        prompts = [t for t in owner_inbox.texts() if "Stan" in t]
        assert len(prompts) == 1, "the owners are asked once per stranger"
        assert (await app.users.find("telegram", 500)).role is Role.PENDING  # type: ignore[union-attr]

        # the owner approves from the prompt's button
        approve = owner_inbox.button("Approve")
        owner.outbox.sent.clear()
        await owner.press(approve.id)
        assert "Approved" in owner.outbox.all_text()
        assert any("You're in" in t for t in owner_inbox.texts())  # the stranger is told

        await stranger.say("hello again")
        assert agent.seen == [("telegram:500", "hello again")]


async def test_blocked_user_stays_out(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        agent = FakeAgent()
        app.dispatcher.agent = agent
        owner_inbox = RecordingOutbox()
        app.notifier.register("telegram", owner_inbox)
        owner = Person(app, 1)
        mallory = Person(app, 666, "Mallory")
        await mallory.say("hi")
        await app.jobs.run_until_idle()
        await owner.press(owner_inbox.button("Block").id)
        mallory.outbox.clear()
        for text in ("/start", "/help", "please"):
            await mallory.say(text)
        assert agent.seen == [] and mallory.outbox.sent == []
        # a flood past the per-user queue limit is not answered "busy" either
        from concierge.core.dispatch import MAX_QUEUED_PER_USER

        await asyncio.gather(*(mallory.say(f"m{i}") for i in range(MAX_QUEUED_PER_USER + 5)))
        assert mallory.outbox.sent == []


async def test_the_owner_cannot_be_blocked_by_a_button(tmp_path: Path) -> None:
    async with running_app(tmp_path, owner_ids=["telegram:1", "telegram:2"]) as app:
        inbox = RecordingOutbox()
        app.notifier.register("telegram", inbox)
        first, second = Person(app, 1), Person(app, 2)
        await second.say("/start")
        stored = await app.users.find("telegram", 2)
        assert stored is not None and stored.role is Role.OWNER
        button = await app.buttons.create(
            owner_user_id=(await app.users.find("telegram", 1)).id,  # type: ignore[union-attr]
            action="access.block",
            payload={"user_id": stored.id},
        )
        await first.press(button)
        assert (await app.users.get(stored.id)).role is Role.OWNER  # type: ignore[union-attr]


async def test_open_mode_lets_everyone_in(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        agent = FakeAgent()
        app.dispatcher.agent = agent
        await Person(app, 77).say("hello")
        assert agent.seen == [("telegram:77", "hello")]


async def test_button_of_another_user_only_explains(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        alice, bob = Person(app, 10, "Alice"), Person(app, 11, "Bob")
        await alice.say("/language")
        russian = alice.outbox.button("Русский")
        await bob.press(russian.id)
        assert bob.outbox.texts() == ["This button belongs to someone else's request."]
        assert (await app.users.find("telegram", 10)).language is None  # type: ignore[union-attr]
        await alice.press(russian.id)
        assert alice.outbox.texts()[-1] == "Готово: буду отвечать по-русски."


async def test_buttons_work_after_a_restart(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        alice = Person(app, 10)
        await alice.say("/language")
        button_id = alice.outbox.button("Русский").id
    async with running_app(tmp_path, access_mode="open") as app:
        alice = Person(app, 10)
        await alice.press(button_id)
        assert alice.outbox.texts() == ["Готово: буду отвечать по-русски."]
        await alice.press("forged-id")
        assert "expired" in alice.outbox.texts()[-1] or "истёк" in alice.outbox.texts()[-1]


async def test_duplicate_delivery_is_processed_once(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        agent = FakeAgent()
        app.dispatcher.agent = agent
        person = Person(app, 5)
        await asyncio.gather(person.say("hi", update_id="9001"), person.say("hi", update_id="9001"))
        await person.say("hi", update_id="9001")
        assert agent.seen == [("telegram:5", "hi")]


async def test_one_users_messages_run_in_order_while_users_run_concurrently(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        agent = FakeAgent(pause=0.05)
        app.dispatcher.agent = agent
        alice, bob = Person(app, 1), Person(app, 2)
        await asyncio.gather(
            *(alice.say(f"a{i}") for i in range(4)), *(bob.say(f"b{i}") for i in range(4))
        )
        assert [t for k, t in agent.seen if k == "telegram:1"] == ["a0", "a1", "a2", "a3"]
        assert [t for k, t in agent.seen if k == "telegram:2"] == ["b0", "b1", "b2", "b3"]
        # concurrent, not one lane after the other: Bob started before Alice finished
        assert agent.seen.index(("telegram:2", "b0")) < agent.seen.index(("telegram:1", "a3"))
        assert len(app.dispatcher.lanes) == 0


async def test_help_lists_every_registered_command(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        owner = Person(app, 1)
        await owner.say("/help")
        listing = owner.outbox.texts()[-1]
        for command in app.registry.listed_commands():
            assert f"/{command.name} — " in listing


async def test_language_follows_platform_unless_chosen(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        ivan = Person(app, 3, "Иван", lang="ru-RU")
        await ivan.say("/nonsense")
        assert ivan.outbox.texts()[-1].startswith("Я не знаю команду /nonsense")
        await ivan.say("/language")
        await ivan.press(ivan.outbox.button("English").id)
        await ivan.say("/nonsense")
        assert ivan.outbox.texts()[-1].startswith("I don't know the command /nonsense")


async def test_cancel_stops_a_running_request(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        agent = FakeAgent(gate=asyncio.Event())  # never released: only /cancel ends it
        app.dispatcher.agent = agent
        person = Person(app, 4)
        slow = asyncio.create_task(person.say("long question"))
        await asyncio.wait_for(agent.started.wait(), timeout=5)
        await asyncio.wait_for(person.say("/cancel"), timeout=5)
        await asyncio.wait_for(slow, timeout=5)
        assert person.outbox.texts() == ["Cancelled."]


async def test_a_failing_handler_is_explained_not_raised(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:

        class Broken:
            async def run(self, ctx: object, text: str) -> None:
                raise RuntimeError("boom")

        app.dispatcher.agent = Broken()
        person = Person(app, 4, lang="ru")
        await person.say("hi")
        assert person.outbox.texts() == [
            "Извините, у меня что-то пошло не так. Попробуйте ещё раз чуть позже."
        ]


async def test_shutdown_drain_waits_for_in_flight_replies(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        answer = asyncio.Event()
        agent = FakeAgent(gate=answer)
        app.dispatcher.agent = agent
        person = Person(app, 8)
        in_flight = asyncio.create_task(person.say("still answering"))
        await asyncio.wait_for(agent.started.wait(), timeout=5)
        assert await app.dispatcher.drain(0.01) is False
        answer.set()  # the answer comes while shutdown waits for it
        assert await app.dispatcher.drain(5) is True
        assert in_flight.done() and person.outbox.texts() == ["agent: still answering"]


async def test_a_flooding_user_is_told_to_wait_and_cannot_starve_others(tmp_path: Path) -> None:
    from concierge.core.dispatch import MAX_QUEUED_PER_USER

    async with running_app(tmp_path, access_mode="open") as app:
        agent = FakeAgent(pause=0.02)
        app.dispatcher.agent = agent
        flooder, other = Person(app, 1), Person(app, 2)
        flood = [flooder.say(f"m{i}") for i in range(MAX_QUEUED_PER_USER + 10)]
        await asyncio.gather(*flood, other.say("hello"))
        handled = [t for k, t in agent.seen if k == "telegram:1"]
        assert handled == [f"m{i}" for i in range(MAX_QUEUED_PER_USER)]
        busy = [t for t in flooder.outbox.texts() if t.startswith("I'm still working")]
        assert len(busy) == 10
        assert ("telegram:2", "hello") in agent.seen


async def test_a_huge_message_is_refused_clearly_without_reaching_the_agent(tmp_path: Path) -> None:
    from concierge.core.dispatch import MAX_TEXT_CHARS

    async with running_app(tmp_path, access_mode="open") as app:
        agent = FakeAgent()
        app.dispatcher.agent = agent
        person = Person(app, 9, lang="ru")
        await person.say("я" * (MAX_TEXT_CHARS + 1))
        assert agent.seen == []
        assert person.outbox.texts()[-1].startswith("Сообщение слишком длинное")
        await person.say("я" * MAX_TEXT_CHARS)
        assert len(agent.seen) == 1


async def test_help_shows_only_what_this_user_may_use(tmp_path: Path) -> None:
    async with running_app(tmp_path, access_mode="open") as app:
        owner, guest = Person(app, 1), Person(app, 50)
        await owner.say("/help")
        await guest.say("/help")
        assert "/library — " in owner.outbox.texts()[-1]
        assert "/library — " not in guest.outbox.texts()[-1]
        assert "/downloads — " in guest.outbox.texts()[-1]
