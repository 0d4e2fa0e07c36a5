"""Open conversations ("flows"): a wizard, a retro — questions awaiting the user's next text.

A user may have several open at once, one per flow; the most recently active one
takes the next plain message, so starting a second flow never overwrites the
first, and finishing it brings the first one back. Each has its own timeout and
is stored, so a restart in the middle loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

DEFAULT_TTL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class OpenFlow:
    flow: str  # e.g. "downloads.client"; its title is the catalogue key "flows.<flow>"
    action: str  # the button action that takes the answer
    payload: dict[str, Any]


def flow_of(action: str) -> str:
    """The flow an answer action belongs to by default: its name minus the last part."""
    head, _, _ = action.rpartition(".")
    return head or action


class FlowStore(Protocol):
    async def open(
        self, user_id: int, flow: str, action: str, payload: dict[str, Any], ttl: timedelta
    ) -> None:
        """Open ``flow`` or move it to its next question; it becomes the current one."""
        ...

    async def take(self, user_id: int) -> OpenFlow | None:
        """The current (most recently active, unexpired) flow, removed so it is answered once.

        Its handler opens it again for the next question.
        """
        ...

    async def current(self, user_id: int) -> OpenFlow | None: ...

    async def close(self, user_id: int, flow: str) -> bool: ...

    async def prune(self) -> int:
        """Forget expired flows."""
        ...
