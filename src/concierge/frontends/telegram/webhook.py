"""Telegram's webhook: updates POSTed to the shared ASGI app, checked before they are queued.

Telegram echoes the secret token given to ``setWebhook`` in a header; a POST
without it is refused. Bodies are bounded, redeliveries dropped at the door,
and accepted updates go onto the application's update queue, the same path
long polling feeds.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import structlog
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response
from telegram import Update
from telegram.ext import Application

from concierge.frontends.http.bodies import BodyError, read_json

if TYPE_CHECKING:
    from concierge.frontends.telegram.queued import UpdateQueue

log = structlog.get_logger(__name__)

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_WEBHOOK_BODY = 1024 * 1024
RECENT_UPDATES = 4096


def webhook_address(url: str | None) -> tuple[str | None, str]:
    """The URL to register and the path to serve; a URL without a path gets the default one."""
    path = urlsplit(url).path if url else ""
    if path not in ("", "/"):
        return url, path
    return (url.rstrip("/") + DEFAULT_WEBHOOK_PATH if url else url), DEFAULT_WEBHOOK_PATH


class WebhookEndpoint:
    """The POST handler; ``accepting`` is on while the application runs."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        secret: SecretStr | None,
    ) -> None:
        self.application = application
        self.secret = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
        self.accepting = False
        self.queue: UpdateQueue | None = None  # TELEGRAM_QUEUE_UPDATES: a job per update
        self._recent: OrderedDict[int, None] = OrderedDict()

    async def handle(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            client = request.client.host if request.client else None
            log.warning("telegram_webhook_rejected", client=client, has_secret=bool(given))
            return Response(status_code=401)
        if not self.accepting:
            return Response(status_code=503)
        try:
            data = await read_json(request, MAX_WEBHOOK_BODY)
        except BodyError as exc:
            return Response(exc.reason, status_code=exc.status)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response("not a Telegram update", status_code=400)
        if self._seen(data["update_id"]):
            log.info("telegram_webhook_duplicate", update_id=data["update_id"])
            return Response(status_code=200)
        if self.queue is not None:
            await self.queue.accept(data)  # committed before Telegram hears 200
            return Response(status_code=200)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:
            # 200, or Telegram would redeliver it forever; it is dropped here, once
            log.warning(
                "telegram_webhook_unreadable",
                update_id=data["update_id"],
                error=type(exc).__name__,
            )
            return Response(status_code=200)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    def _seen(self, update_id: int) -> bool:
        """Drops redeliveries at the door; the dispatcher's update log is the real guard."""
        if update_id in self._recent:
            return True
        self._recent[update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)
        return False
