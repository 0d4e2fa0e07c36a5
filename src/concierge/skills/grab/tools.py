"""The agent tool ``grab_link``: thin over the same path a pasted link takes."""

from __future__ import annotations

from pydantic_ai import RunContext, Tool

from concierge.core.skill import Context
from concierge.skills.grab.commands import GrabCommands


def grab_tools(commands: GrabCommands) -> list[Tool[Context]]:
    async def grab_link(ctx: RunContext[Context], url: str) -> str:
        """Download a video, picture gallery or audio from a web link and send it to the user.

        url: the http(s) link exactly as the user gave it. The user sees a progress
        message; returns what that message said (queue position, or why it was refused).
        """
        return "\n".join(await commands.grab_links(ctx.deps, url))

    return [Tool(grab_link, takes_ctx=True)]
