"""What monitors need from elsewhere, by role; bootstrap passes the implementations.

Auto-download goes to the user's own torrent client (the downloads skill's per-user
client, never the operator's global one); the downloads skill implements it, wired in
``adapters/monitors_assembly.py``, so this skill does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from concierge.core.skill import Context


@dataclass(frozen=True, slots=True)
class SendOutcome:
    added: bool
    text: str  # what to tell the user, in their language: added, or why not


class OwnClient(Protocol):
    async def send(
        self, ctx: Context, *, name: str, magnet: str | None, torrent_url: str | None
    ) -> SendOutcome:
        """Add the release to ``ctx.user``'s own client; failures come back as text."""
        ...
