"""Request bodies read the same bounded way by every HTTP entry point.

The declared ``Content-Length`` is not trusted: the stream itself is counted
(chunked bodies included) and reading stops at the limit, so a 300 MB body costs
at most the limit in memory. JSON too deep for the parser is a 400, not a
``RecursionError``; a client that hangs up mid-body is not an error of ours.
Strings that go into the database carry ``NoNul``: no NUL (Postgres refuses it)
and a length limit; integers use ``DbInt`` (a signed 64-bit column).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from starlette.requests import ClientDisconnect, Request

INT64_MAX = 2**63 - 1


class BodyError(Exception):
    """The body is refused with ``status`` (4xx) and a short ``reason`` for the client."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyError(413, "body too large")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyError(413, "body too large")
    except ClientDisconnect:
        raise BodyError(400, "the client hung up before the body ended") from None
    return bytes(body)


async def read_json(request: Request, limit: int) -> Any:
    raw = await read_body(request, limit)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BodyError(400, "body is not JSON (or nested too deeply)") from exc


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


NoNul = AfterValidator(_no_nul)  # add to every Annotated[str, ...] headed for a column
DbInt = Annotated[int, Field(ge=0, le=INT64_MAX)]
