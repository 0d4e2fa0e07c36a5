"""Start-up failures an operator can act on: a bad token, a missing privileged intent."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from concierge.core.access import Role
from concierge.core.messages import UserRef
from concierge.frontends.discord.app import DiscordStartError
from tests.frontends.discord.conftest import OWNER, Stack
from tests.support.fake_discord import FakeDiscord


async def test_a_refused_token_stops_start_with_a_clear_error(
    fake: FakeDiscord, stack: Stack
) -> None:
    frontend = stack.frontend(fake, token=SecretStr("wrong-token-value"))
    with pytest.raises(DiscordStartError, match="DISCORD_BOT_TOKEN") as refused:
        await frontend.start()
    assert "wrong-token-value" not in str(refused.value)
    assert [c.status for c in fake.calls] == [401]


async def test_a_missing_message_content_intent_says_where_to_switch_it_on(
    stack: Stack,
) -> None:
    fake = FakeDiscord(message_content=False).start()
    try:
        frontend = stack.frontend(fake)
        with pytest.raises(DiscordStartError, match="Message Content intent"):
            await frontend.start()
        assert fake.identified == 1
        user = await stack.users.upsert(UserRef("discord", OWNER), Role.OWNER)
        assert not stack.notifier.can_reach(user)  # the notifier has no Discord sender
    finally:
        fake.stop()
