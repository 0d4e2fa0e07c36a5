"""What the bot and a download's child process tell each other.

The bot writes one ``ChildSpec`` as JSON to the child's stdin; the child answers with
one JSON object per line on stdout (``Event``s), ending with ``done`` or ``error``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel


class Reason(StrEnum):
    """Why a download failed; each has a user-facing text ``grab.error.<value>``."""

    UNSUPPORTED = "unsupported"
    PRIVATE = "private"
    GONE = "gone"
    LOGIN = "login"
    GEO = "geo"
    TOO_BIG = "too_big"
    TOO_LONG = "too_long"
    TIMEOUT = "timeout"  # the whole attempt ran out of time (GRAB_TIMEOUT_SECONDS): final
    NETWORK = "network"  # transient (refused, reset, 5xx, a read timed out): retried
    REFUSED = "refused"  # the connect-time guard refused a non-public address
    NO_MEDIA = "no_media"
    FAILED = "failed"

    @property
    def transient(self) -> bool:
        return self is Reason.NETWORK


class ChildSpec(BaseModel):
    url: str
    folder: str
    tool: str = "generic"  # chosen by the bot (router.choose), where the extractor lists stay warm
    allow_private: bool = False
    trusted: list[str] = []  # "address:port" endpoints the guard lets through
    max_bytes: int
    max_duration: int
    max_files: int = 50
    cookies: str | None = None  # a Netscape cookie file for this URL's host only
    memory_mb: int = 1024
    socket_timeout: float = 30.0


Phase = Literal["downloading", "converting"]


class Event(BaseModel):
    type: Literal["route", "progress", "phase", "file", "done", "error"]
    tool: str | None = None
    downloaded: int | None = None
    total: int | None = None
    speed: float | None = None
    eta: float | None = None
    phase: Phase | None = None
    path: str | None = None
    kind: str | None = None
    reason: Reason | None = None
    detail: str | None = None

    def line(self) -> str:
        return self.model_dump_json(exclude_none=True) + "\n"

    @classmethod
    def parse(cls, raw: str) -> Event:
        return cls.model_validate_json(raw)

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)
