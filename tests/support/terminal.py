"""One terminal chat kept open across lines, so a test can press the buttons it was shown.

``say`` types a line and returns only what that line printed; ``press`` finds a
button by (part of) its label in the last output and types its number, as a
person at the terminal would.
"""

from __future__ import annotations

import io
import re

from concierge.bootstrap import App
from concierge.core.messages import UserRef
from concierge.frontends.console.chat import CONSOLE_USER_ID, PLATFORM, ConsoleChat


class Terminal:
    def __init__(self, app: App, language: str | None = "en", user_id: int = CONSOLE_USER_ID):
        self.out = io.StringIO()
        user = UserRef(PLATFORM, user_id, display_name="tester", language_code=language)
        self.chat = ConsoleChat(
            app.dispatcher,
            app.settings.data_dir / "files",
            user=user,
            stdin=io.StringIO(),
            stdout=self.out,
        )
        self.app = app
        self.last = ""

    async def say(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.chat.handle_line(line)
        await self.app.dispatcher.drain(5)
        self.last = self.out.getvalue()[start:]
        return self.last

    def number(self, label: str, nth: int = 0) -> str:
        found = re.findall(rf"\[(\d+)\] [^\[\n]*?{re.escape(label)}", self.last)
        assert len(found) > nth, f"no button {label!r} in:\n{self.last}"
        return str(found[nth])

    async def press(self, label: str, nth: int = 0) -> str:
        return await self.say(self.number(label, nth))
