"""The agent's way to today's digest ("what's new for me?", «что нового для меня?»)."""

from __future__ import annotations

import re

from pydantic_ai import RunContext, Tool

from concierge.core.skill import Context, Intent
from concierge.skills.digests.commands import DigestCommands


def digest_tools(commands: DigestCommands) -> list[Tool[Context]]:
    async def digest_now(ctx: RunContext[Context]) -> str:
        """Show the user today's personal digest: new films for their taste, films of people
        they like, monitor matches and news headlines. It is sent to the chat directly."""
        shown = await commands.show_now(ctx.deps)
        return f"today's digest with {shown} item(s) was shown to the user"

    return [Tool(digest_now, takes_ctx=True)]


def digest_intents() -> list[Intent]:
    return [
        Intent(
            tool="digest_now",
            patterns=[
                re.compile(r"(?:what'?s|what\s+is)\s+new\s+for\s+me\??", re.I),
                re.compile(r"(?:show\s+)?(?:me\s+)?my\s+digest(?:\s+now)?", re.I),
                re.compile(r"что\s+нового\s+для\s+меня\??", re.I),
                re.compile(r"(?:покажи\s+)?(?:мой\s+)?дайджест(?:\s+сейчас)?", re.I),
            ],
        )
    ]
