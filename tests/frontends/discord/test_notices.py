"""Bot-initiated messages reach Discord users by DM through the core's notifier."""

from __future__ import annotations

import pytest

from concierge.core.access import Role
from concierge.core.messages import Card, MessageHandle, Text, UserRef
from concierge.core.notify import MessageGone, RecipientUnreachable
from tests.frontends.discord.conftest import OWNER, STRANGER, Stack, running
from tests.support.fake_discord import FakeDiscord


async def test_a_notice_goes_by_dm_and_is_edited_and_deleted_by_its_handle(
    fake: FakeDiscord, stack: Stack
) -> None:
    user = await stack.users.upsert(UserRef("discord", OWNER, "Ann"), Role.OWNER)
    async with running(stack.frontend(fake)):
        assert stack.notifier.can_reach(user)
        handle = await stack.notifier.send(user, Text("Download started: 0%"))
        dm = fake.payloads.dm_channels[OWNER]
        assert handle == MessageHandle("discord", dm, handle.message_ids, "text")

        restored = MessageHandle.from_dict(handle.to_dict())  # as a job stores it
        card = Card(title="Dune (2021)", body="Ready to watch.")
        edited = await stack.notifier.edit(restored, card)
        assert edited == handle
        shown = fake.messages[handle.message_id]
        assert shown["content"] == "" and shown["embeds"][0]["title"] == "Dune (2021)"

        long = await stack.notifier.edit(handle, Text("line\n\n" * 600))  # now two messages
        assert len(long.message_ids) == 2 and long.message_ids[0] == handle.message_id
        assert await stack.notifier.delete(long)
        assert fake.visible(dm) == []
        with pytest.raises(MessageGone):
            await stack.notifier.edit(handle, Text("again"))
    assert not stack.notifier.can_reach(user)  # the front-end stopped


async def test_a_user_who_closed_dms_is_marked_unreachable(stack: Stack) -> None:
    fake = FakeDiscord(dm_closed=frozenset({STRANGER})).start()
    try:
        user = await stack.users.upsert(UserRef("discord", STRANGER, "Bob"), Role.USER)
        async with running(stack.frontend(fake)):
            with pytest.raises(RecipientUnreachable):
                await stack.notifier.send(user, Text("Your download is ready"))
        stored = await stack.users.get(user.id)
        assert stored is not None and stored.unreachable
        assert not stack.notifier.can_reach(stored)
    finally:
        fake.stop()
