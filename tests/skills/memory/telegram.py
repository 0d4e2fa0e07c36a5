"""The real application behind the real Telegram front-end (fake Bot API), for memory tests.

``TelegramWorld`` builds the app with ``bootstrap.build_app`` against fixture
servers, puts the PTB front-end on it, and can be stopped and started again on
the same data directory: a restart as an operator would do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from concierge.bootstrap import App, build_app
from concierge.config import Settings
from concierge.frontends.telegram.app import TelegramFrontend
from concierge.frontends.telegram.ratelimit import RateLimits
from tests.support.fake_telegram import TOKEN, FakeTelegram

FAST = RateLimits(overall_per_second=0, group_messages=0, chat_per_second=0, backoff_seconds=0.01)


def texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Every text and caption that reached the chat, in order."""
    found: list[str] = []
    for call in fake.calls_to("sendMessage", "sendPhoto", "editMessageText", chat_id=chat_id):
        if call.ok:
            found.append(str(call.params.get("text") or call.params.get("caption") or ""))
    return found


def find_button(fake: FakeTelegram, chat_id: int, label: str) -> tuple[str, int]:
    """The newest button whose label contains ``label``: (callback data, its message id)."""
    for call in reversed(fake.calls_to(chat_id=chat_id)):
        markup = call.params.get("reply_markup")
        if not call.ok or not isinstance(markup, dict):
            continue
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                if label in button.get("text", "") and "callback_data" in button:
                    return str(button["callback_data"]), int(call.result["message_id"])
    raise AssertionError(f"no button {label!r} in chat {chat_id}")


@dataclass
class TelegramWorld:
    settings: Settings
    fake: FakeTelegram
    app: App | None = None
    frontend: TelegramFrontend | None = None

    async def start(self) -> None:
        self.app = await build_app(self.settings)
        self.frontend = TelegramFrontend(
            token=SecretStr(TOKEN),
            dispatcher=self.app.dispatcher,
            notifier=self.app.notifier,
            registry=self.app.registry,
            catalog=self.app.catalog,
            users=self.app.users,
            api_base_url=self.fake.base_url,
            limits=FAST,
            stream_interval=0.05,
            poll_timeout=1,
        )
        await self.frontend.start()

    async def stop(self) -> None:
        if self.frontend is not None:
            await self.frontend.stop()
        if self.app is not None:
            await self.app.close()
        self.app, self.frontend = None, None

    async def say(self, user_id: int, text: str, *, language: str = "en", until: str) -> str:
        """Send ``text``; wait until a message containing ``until`` arrives; all new texts."""
        before = len(texts(self.fake, user_id))
        self.fake.push(self.fake.text_update(user_id, text, language=language))
        return await self._wait(user_id, before, until)

    async def press(self, user_id: int, label: str, *, language: str = "en", until: str) -> str:
        before = len(texts(self.fake, user_id))
        data, message_id = find_button(self.fake, user_id, label)
        message: dict[str, Any] = self.fake.message(user_id, message_id)
        self.fake.push(self.fake.press_update(user_id, data, message, language=language))
        return await self._wait(user_id, before, until)

    async def _wait(self, user_id: int, before: int, until: str) -> str:
        def arrived() -> bool:
            return any(until in t for t in texts(self.fake, user_id)[before:])

        await self.fake.wait_for(arrived, seconds=15, what=repr(until))
        return "\n".join(texts(self.fake, user_id)[before:])
