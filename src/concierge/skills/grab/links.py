"""Signed, expiring download links for files too big to upload: ``/files/<token>``.

The token names a file under the grab cache and when it stops working, signed with
HMAC-SHA256 under a key kept in the data directory (made on first use, mode 0600), so
nobody can forge one for another path or a later expiry. The HTTP app streams the file
from disk with Range support (Starlette's FileResponse). A bad signature gets 403, an
expired link 410, a file evicted from the cache 404.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from concierge.core.clock import Clock

log = structlog.get_logger(__name__)

KEY_FILE = "link.key"


def load_key(folder: Path) -> bytes:
    """The signing key, created (32 random bytes, owner-only) when missing."""
    path = folder / KEY_FILE
    if path.is_file():
        return path.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BadToken(ValueError):
    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


@dataclass(frozen=True, slots=True)
class LinkSigner:
    key: bytes
    root: Path  # files are served only from under here (the cache)
    clock: Clock

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())

    def sign(self, path: Path, expires: datetime) -> str:
        relative = path.resolve().relative_to(self.root.resolve())
        body = _b64(json.dumps({"p": str(relative), "e": int(expires.timestamp())}).encode())
        return f"{body}.{self._mac(body)}"

    def open(self, token: str) -> Path:
        """The file a valid, unexpired token names; raises ``BadToken``."""
        body, _, mac = token.partition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            raise BadToken(403, "bad signature")
        try:
            claims = json.loads(_unb64(body))
            relative, expires = str(claims["p"]), int(claims["e"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadToken(403, "unreadable token") from exc
        if self.clock.now().timestamp() >= expires:
            raise BadToken(410, "expired")
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            raise BadToken(404, "gone")
        return path


@dataclass(frozen=True, slots=True)
class Links:
    signer: LinkSigner
    base_url: str | None  # PUBLIC_BASE_URL; without it no link can be offered
    ttl: timedelta

    @property
    def enabled(self) -> bool:
        return self.base_url is not None

    def url_for(self, path: Path) -> tuple[str, datetime]:
        assert self.base_url is not None
        expires = self.signer.clock.now() + self.ttl
        return f"{self.base_url.rstrip('/')}/files/{self.signer.sign(path, expires)}", expires

    async def serve(self, request: Request) -> Response:
        token = str(request.path_params["token"])
        try:
            path = self.signer.open(token)
        except BadToken as exc:
            log.info("grab_link_refused", status=exc.status, why=str(exc))
            return PlainTextResponse(str(exc), status_code=exc.status)
        return FileResponse(path, filename=path.name)

    def routes(self) -> list[Route]:
        return [Route("/files/{token}", self.serve, methods=["GET", "HEAD"])]
