"""What every chat front-end needs from the core: a user's language and reachability.

Front-ends answer before (or outside) the dispatcher now and then: a refused upload, an
error notice, a bot-initiated message. They take the language and mark users who can't
be messaged through here, so Telegram and Discord never decide it differently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from concierge.core.i18n import resolve_language
from concierge.core.messages import UserRef
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

LangSource = Callable[[], Awaitable[str]]


class FileTooLarge(ValueError):
    """The file is over the upload limit of the chat it goes to."""

    def __init__(self, filename: str, size: int, limit: int) -> None:
        super().__init__(f"{filename} is {size} bytes, over the {limit}-byte upload limit")
        self.filename = filename
        self.size = size
        self.limit = limit


def language_source(users: UserRepo, ref: UserRef, default: str) -> LangSource:
    """The user's language, looked up only when a text is about to be sent."""

    async def language() -> str:
        user = await users.find(ref.platform, ref.id)
        if user is not None:
            return resolve_language(user.language, user.platform_language, default)
        return resolve_language(None, ref.language_code, default)

    return language


async def mark_unreachable(users: UserRepo, platform: str, platform_id: int) -> None:
    """The platform refused to deliver to this user (blocked the bot, closed DMs)."""
    user = await users.find(platform, platform_id)
    if user is not None and not user.unreachable:
        await users.set_unreachable(user.id)
        log.warning("user_unreachable", user=user.key)
