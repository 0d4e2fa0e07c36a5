"""A fake Telegram Bot API on loopback, for end-to-end tests of the real PTB application.

It runs in its own thread and event loop (like a separate server), serves the
methods the bot uses, records every call, hands out updates by long polling or
POSTs them to a registered webhook, and can answer with injected 429/5xx
errors. It checks requests the way Telegram does and refuses bad ones with
400: text ≤ 4096 and caption ≤ 1024 UTF-16 units, entity offsets/lengths in
UTF-16 units inside the text (never splitting a surrogate pair, properly
nested), text_link URLs, callback_data ≤ 64 bytes, command names. Optionally
it enforces a per-group message limit (sliding window) with 429 like Telegram.
Response shapes follow https://core.telegram.org/bots/api.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456789:AAH-fake-token_for-tests-only-0123456"
BOT_ID = 123456789
BOT_USERNAME = "concierge_test_bot"

_INT_PARAMS = {
    "chat_id",
    "message_id",
    "draft_id",
    "offset",
    "limit",
    "timeout",
    "message_thread_id",
}
_JSON_PARAMS = {
    "entities",
    "caption_entities",
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "reply_parameters",
    "drop_pending_updates",
    "show_alert",
    "media",
}
_ENTITY_TYPES = {
    "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold",
    "italic", "underline", "strikethrough", "spoiler", "blockquote", "expandable_blockquote",
    "code", "pre", "text_link", "text_mention", "custom_emoji", "date_time",
}  # fmt: skip
_MEDIA_FIELDS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendVoice": "voice",
}
# Calls that put a message in a group, counted by the optional group limit.
_GROUP_COUNTED = {"sendMessage", "editMessageText", "editMessageCaption", *_MEDIA_FIELDS}


class BadRequest(Exception):
    def __init__(self, description: str, code: int = 400, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.retry_after = retry_after


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    result: Any
    at: float
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    skip: int = 0  # successful calls to let through first


class FakeTelegram:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        drafts: bool = True,
        group_limit: tuple[int, float] | None = None,
    ) -> None:
        self.token = token
        self.drafts = drafts  # False: answer sendMessageDraft like a server without it
        # (messages, seconds): more messages to one group within that window get a 429
        self.group_limit = group_limit
        self._group_arrivals: dict[int, list[float]] = {}
        self.calls: list[Call] = []
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403)
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[int] = []  # HTTP status of each POST to the webhook
        self.update_pushed_at: dict[int, float] = {}
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._open_queries: set[str] = set()
        self._failures: dict[str, list[_Failure]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._pollers = 0
        self.most_pollers = 0
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTelegram:
        sock = socket.socket()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        started = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._new_update = asyncio.Event()
            started.set()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        started.wait(5)
        deadline = time.monotonic() + 5
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._closing = True
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    # --- test controls ----------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        after: int = 0,
    ) -> None:
        """After ``after`` more good answers, ``times`` calls of ``method`` get this error."""
        if status == 429 and retry_after is None:
            retry_after = 1
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
        }.get(status, "Internal Server Error")
        with self._lock:
            self._failures.setdefault(method, []).extend(
                _Failure(status, text, retry_after, after if i == 0 else 0) for i in range(times)
            )

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def _remember(self, update: dict[str, Any]) -> None:
        message = update.get("message")
        if message is not None:
            self._messages[(message["chat"]["id"], message["message_id"])] = message

    def push(self, update: dict[str, Any]) -> int:
        """Deliver an update: to the webhook when one is set, else to getUpdates."""
        with self._lock:
            self._remember(update)
            update_id = update.setdefault("update_id", next(self._update_ids))
            self.update_pushed_at[update_id] = time.perf_counter()
            if self.webhook is None:
                self._updates.append(update)
        if self.webhook is not None:
            self.deliver(update).result(10)
        elif self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return int(update_id)

    def push_many(self, updates: list[dict[str, Any]]) -> list[int]:
        """Queue updates for one getUpdates answer (a burst)."""
        ids: list[int] = []
        now = time.perf_counter()
        with self._lock:
            for update in updates:
                self._remember(update)
                update_id = update.setdefault("update_id", next(self._update_ids))
                self.update_pushed_at[update_id] = now
                self._updates.append(update)
                ids.append(int(update_id))
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return ids

    def deliver(self, update: dict[str, Any], secret: str | None = "registered") -> Future[int]:
        """POST ``update`` to the webhook as Telegram would; the future holds the status."""
        assert self.webhook is not None and self._loop is not None
        token = self.webhook.get("secret_token") if secret == "registered" else secret
        return asyncio.run_coroutine_threadsafe(
            self._post_webhook(self.webhook["url"], update, token), self._loop
        )

    async def _post_webhook(self, url: str, update: dict[str, Any], token: str | None) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token is not None else {}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, json=update, headers=headers)
        self.webhook_deliveries.append(response.status_code)
        return response.status_code

    # --- inspection ---------------------------------------------------------------------

    def calls_to(self, *methods: str, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if (not methods or c.method in methods)
            and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of messages that reached the chat (successful sendMessage calls)."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls_to("sendMessage", chat_id=chat_id)
            if c.ok
        ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self._messages[(chat_id, message_id)]

    def last_keyboard(self, chat_id: int) -> list[list[dict[str, Any]]]:
        for call in reversed(self.calls_to(chat_id=chat_id)):
            markup = call.params.get("reply_markup")
            if call.ok and isinstance(markup, dict) and markup.get("inline_keyboard"):
                return list(markup["inline_keyboard"])
        raise AssertionError(f"no keyboard was sent to chat {chat_id}")

    async def wait_for(
        self, predicate: Callable[[], bool], seconds: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.summary()}")
            await asyncio.sleep(0.01)

    def summary(self) -> list[str]:
        return [f"{c.method}:{c.status}" for c in self.calls_to()]

    # --- update builders --------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, name: str = "Ann", language: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language}

    @staticmethod
    def chat(chat_id: int, kind: str = "private") -> dict[str, Any]:
        if kind == "private":
            return {"id": chat_id, "type": "private", "first_name": "Ann"}
        return {"id": chat_id, "type": kind, "title": "Movie night"}

    def text_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        kind: str = "private",
        name: str = "Ann",
        language: str = "en",
        reply_to: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.user(user_id, name, language),
            "chat": self.chat(chat_id if chat_id is not None else user_id, kind),
            "date": int(time.time()),
            **extra,
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                head = text.split(maxsplit=1)[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
                ]
            mentions = [
                {"type": "mention", "offset": utf16_len(text[:i]), "length": utf16_len(word)}
                for i, word in _words(text)
                if word.startswith("@") and len(word) > 1
            ]
            if mentions:
                message.setdefault("entities", []).extend(mentions)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"message": message}

    def press_update(
        self,
        user_id: int,
        data: str,
        message: dict[str, Any],
        *,
        name: str = "Ann",
        language: str = "en",
    ) -> dict[str, Any]:
        query_id = f"q{next(self._query_ids)}"
        with self._lock:
            self._open_queries.add(query_id)
        return {
            "callback_query": {
                "id": query_id,
                "from": self.user(user_id, name, language),
                "message": message,
                "chat_instance": "ci-1",
                "data": data,
            }
        }

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Concierge",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # --- HTTP -------------------------------------------------------------------------------

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        file_id = path.rsplit("/", 1)[-1]
        if file_id not in self.files:
            return Response(status_code=404)
        return Response(self.files[file_id], media_type="application/octet-stream")

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        params, files = await _parse(request)
        status, body = 200, None
        failure = self._next_failure(method)
        try:
            if failure is not None:
                raise BadRequest(failure.description, failure.status)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise BadRequest("Not Found", 404)
            chat_id = params.get("chat_id")
            if isinstance(chat_id, int) and chat_id in self.blocked:
                raise BadRequest("Forbidden: bot was blocked by the user", 403)
            if isinstance(chat_id, int) and chat_id < 0 and method in _GROUP_COUNTED:
                self._count_group_message(chat_id)
            result = (
                await handler(params, files) if method == "getUpdates" else handler(params, files)
            )
            body = {"ok": True, "result": result}
        except BadRequest as exc:
            status = exc.code
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            retry_after = failure.retry_after if failure is not None else exc.retry_after
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self.calls.append(
                Call(method, params, status, body.get("result"), time.perf_counter(), files)
            )
        return JSONResponse(body, status_code=status)

    def _count_group_message(self, chat_id: int) -> None:
        """Telegram's per-group limit: a message beyond it in the window gets a 429."""
        if self.group_limit is None:
            return
        limit, period = self.group_limit
        now = time.perf_counter()
        with self._lock:
            arrivals = [t for t in self._group_arrivals.get(chat_id, []) if now - t < period]
            self._group_arrivals[chat_id] = arrivals
            if len(arrivals) >= limit:
                wait = max(1, math.ceil(arrivals[0] + period - now))
                raise BadRequest(f"Too Many Requests: retry after {wait}", 429, wait)
            arrivals.append(now)

    def _next_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            if queue[0].skip > 0:
                queue[0].skip -= 1
                return None
            return queue.pop(0)

    # --- methods --------------------------------------------------------------------------

    def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.bot_user()

    def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = str(params.get("url", ""))
        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname != "127.0.0.1":
            raise BadRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (
            0 < len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise BadRequest("Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _m_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise BadRequest("Bad Request: commands must be a list of at most 100 items")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not (0 < len(name) <= 32) or not all(
                c.islower() or c.isdigit() or c == "_" for c in name
            ):
                raise BadRequest("Bad Request: BOT_COMMAND_INVALID")
            if not (0 < len(description) <= 256):
                raise BadRequest("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    async def _m_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        """Long polling; ``most_pollers`` counts overlapping calls (Telegram answers the
        second poller 409 Conflict, so a correct deployment never overlaps)."""
        self._pollers += 1
        self.most_pollers = max(self.most_pollers, self._pollers)
        try:
            return await self._poll(params)
        finally:
            self._pollers -= 1

    async def _poll(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        assert self._new_update is not None
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates[: int(params.get("limit") or 100)])
                self._new_update.clear()
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing:
                return ready
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                return []

    def _m_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        _require_chat(params)
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        query_id = str(params.get("callback_query_id"))
        with self._lock:
            if query_id not in self._open_queries:
                raise BadRequest(
                    "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
            self._open_queries.discard(query_id)
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        text = _check_text(params.get("text"), params.get("entities"), 4096, "message text")
        markup = _check_markup(params.get("reply_markup"))
        return self._store(chat_id, {"text": text}, params.get("entities"), markup)

    def _m_sendMessageDraft(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if not self.drafts:
            raise BadRequest("Not Found", 404)
        chat_id = _require_chat(params)
        if chat_id < 0:
            raise BadRequest("Bad Request: TEXTDRAFT_PEER_INVALID")
        if not params.get("draft_id"):
            raise BadRequest("Bad Request: draft_id must be non-zero")
        text = params.get("text") or ""
        if text:
            _check_text(text, params.get("entities"), 4096, "message text")
        return True

    def _m_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        key = (chat_id, int(params.get("message_id") or 0))
        if key not in self._messages:
            raise BadRequest("Bad Request: message to edit not found")
        text = _check_text(params.get("text"), params.get("entities"), 4096, "message text")
        markup = _check_markup(params.get("reply_markup"))
        old = self._messages[key]
        if "text" not in old:
            raise BadRequest("Bad Request: there is no text in the message to edit")
        if (
            old.get("text") == text
            and old.get("entities") == params.get("entities")
            and old.get("reply_markup") == markup
        ):
            raise BadRequest(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        old.update({"text": text, "edit_date": int(time.time())})
        for name, value in (("entities", params.get("entities")), ("reply_markup", markup)):
            if value:
                old[name] = value
            else:
                old.pop(name, None)
        return old

    def _edited(self, params: dict[str, Any]) -> tuple[tuple[int, int], dict[str, Any]]:
        key = (_require_chat(params), int(params.get("message_id") or 0))
        if key not in self._messages:
            raise BadRequest("Bad Request: message to edit not found")
        return key, self._messages[key]

    def _m_editMessageCaption(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        _key, old = self._edited(params)
        if "text" in old:
            raise BadRequest("Bad Request: there is no caption in the message to edit")
        caption = params.get("caption") or ""
        if caption:
            _check_text(caption, params.get("caption_entities"), 1024, "message caption")
        markup = _check_markup(params.get("reply_markup"))
        entities = params.get("caption_entities")
        if (old.get("caption") or "", old.get("caption_entities"), old.get("reply_markup")) == (
            caption,
            entities,
            markup,
        ):
            raise BadRequest("Bad Request: message is not modified")
        old["edit_date"] = int(time.time())
        for name, value in (("caption", caption), ("caption_entities", entities)):
            if value:
                old[name] = value
            else:
                old.pop(name, None)
        if markup:
            old["reply_markup"] = markup
        else:
            old.pop("reply_markup", None)
        return old

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        _key, old = self._edited(params)
        markup = _check_markup(params.get("reply_markup"))
        if old.get("reply_markup") == markup:
            raise BadRequest("Bad Request: message is not modified")
        if markup:
            old["reply_markup"] = markup
        else:
            old.pop("reply_markup", None)
        return old

    def _m_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        key = (chat_id, int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            raise BadRequest("Bad Request: message to delete not found")
        if chat_id < 0 and message["from"]["id"] != BOT_ID:  # the bot is no group admin here
            raise BadRequest("Bad Request: message can't be deleted for everyone")
        del self._messages[key]
        return True

    def _media(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        field_name = _MEDIA_FIELDS[method]
        caption = params.get("caption")
        if caption:
            _check_text(caption, params.get("caption_entities"), 1024, "message caption")
        markup = _check_markup(params.get("reply_markup"))
        source = params.get(field_name)
        data = files.get(field_name)
        if data is None and isinstance(source, str) and source.startswith("attach://"):
            data = files.get(source.removeprefix("attach://"))
        if data is None:
            if not isinstance(source, str) or not source:
                raise BadRequest(f"Bad Request: there is no {field_name} in the request")
            if "broken" in source:
                raise BadRequest("Bad Request: wrong type of the web page content")
            size = 50_000
        else:
            size = len(data)
            if size > 50 * 1024 * 1024:
                raise BadRequest("Request Entity Too Large", 413)
        file_id = f"{field_name}-{next(self._message_ids)}"
        media: Any = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": size}
        if field_name == "photo":
            media = [{**media, "width": 800, "height": 1200}]
        elif field_name == "video":
            media.update(width=640, height=360, duration=1)
        elif field_name in ("audio", "voice"):
            media.update(duration=1)
        content: dict[str, Any] = {field_name: media}
        if caption:
            content["caption"] = caption
        return self._store(
            chat_id, content, params.get("caption_entities"), markup, "caption_entities"
        )

    def _m_sendMediaGroup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        """2–10 photos/videos, each uploaded as ``attach://<name>``; one message each."""
        chat_id = _require_chat(params)
        items = params.get("media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise BadRequest("Bad Request: wrong number of media in the album")
        group = f"group-{next(self._message_ids)}"
        sent = []
        for item in items:
            kind, source = item.get("type"), str(item.get("media", ""))
            data = files.get(source.removeprefix("attach://"))
            if kind not in ("photo", "video") or data is None:
                raise BadRequest("Bad Request: wrong media in the album")
            caption = item.get("caption")
            if caption:
                _check_text(caption, item.get("caption_entities"), 1024, "message caption")
            file_id = f"{kind}-{next(self._message_ids)}"
            media: Any = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(data),
            }
            content: dict[str, Any] = {
                "media_group_id": group,
                kind: [{**media, "width": 800, "height": 1200}] if kind == "photo" else media,
            }
            if caption:
                content["caption"] = caption
            sent.append(
                self._store(
                    chat_id, content, item.get("caption_entities"), None, "caption_entities"
                )
            )
        return sent

    def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._media("sendPhoto", params, files)

    def _m_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._media("sendDocument", params, files)

    def _m_sendVideo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._media("sendVideo", params, files)

    def _m_sendAudio(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._media("sendAudio", params, files)

    def _m_sendVoice(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._media("sendVoice", params, files)

    def _m_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise BadRequest("Bad Request: invalid file_id")
        size = len(self.files[file_id])
        if size > 20 * 1024 * 1024:
            raise BadRequest("Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    def _store(
        self,
        chat_id: int,
        content: dict[str, Any],
        entities: Any,
        markup: Any,
        entities_name: str = "entities",
    ) -> dict[str, Any]:
        message_id = next(self._message_ids)
        kind = "private" if chat_id > 0 else "supergroup"
        message = {
            "message_id": message_id,
            "from": self.bot_user(),
            "chat": self.chat(chat_id, kind),
            "date": int(time.time()),
            **content,
        }
        if entities:
            message[entities_name] = entities
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat_id, message_id)] = message
        return message


# --- request parsing and Telegram's checks ---------------------------------------------------


async def _parse(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    raw: dict[str, str] = dict(parse_qsl(request.url.query))
    files: dict[str, bytes] = {}
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json") and body:
        raw.update(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()}
        )
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            payload = payload if isinstance(payload, bytes) else b""
            if part.get_filename() is not None:
                files[str(name)] = payload
            else:
                raw[str(name)] = payload.decode()
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _INT_PARAMS:
            try:
                params[key] = int(value)
            except ValueError:
                params[key] = value
        elif key in _JSON_PARAMS:
            params[key] = json.loads(value)
        else:
            params[key] = value
    return params, files


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, code)


def _require_chat(params: dict[str, Any]) -> int:
    chat_id = params.get("chat_id")
    if not isinstance(chat_id, int):
        raise BadRequest("Bad Request: chat not found")
    return chat_id


def _check_text(text: Any, entities: Any, limit: int, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(f"Bad Request: {what} is empty")
    size = utf16_len(text)
    if size > limit:
        raise BadRequest(f"Bad Request: {what} is too long")
    if entities is not None:
        check_entities(text, entities)
    return text


def check_entities(text: str, entities: Any) -> None:
    """Telegram's rules for an entities array; raises BadRequest like the real API."""
    if not isinstance(entities, list):
        raise BadRequest("Bad Request: can't parse entities: entities must be an array")
    units = text.encode("utf-16-le", "surrogatepass")
    size = len(units) // 2
    spans: list[tuple[int, int, str]] = []
    for entity in entities:
        kind, offset, length = entity.get("type"), entity.get("offset"), entity.get("length")
        if kind not in _ENTITY_TYPES:
            raise BadRequest(f"Bad Request: can't parse entities: unknown entity type {kind}")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 1:
            raise BadRequest("Bad Request: can't parse entities: bad offset or length")
        if offset + length > size:
            raise BadRequest("Bad Request: can't parse entities: entity ends after the text")
        for edge in (offset, offset + length):
            if (
                0 < edge < size
                and 0xDC00 <= int.from_bytes(units[2 * edge : 2 * edge + 2], "little") <= 0xDFFF
            ):
                raise BadRequest("Bad Request: can't parse entities: entity splits a character")
        if kind == "text_link" and not _valid_url(entity.get("url")):
            raise BadRequest("Bad Request: can't parse entities: wrong HTTP URL")
        spans.append((offset, offset + length, kind))
    for a_start, a_end, _ in spans:
        for b_start, b_end, _ in spans:
            overlap = a_start < b_end and b_start < a_end
            nested = (a_start <= b_start and b_end <= a_end) or (
                b_start <= a_start and a_end <= b_end
            )
            if overlap and not nested:
                raise BadRequest("Bad Request: can't parse entities: entities overlap")


def _valid_url(url: Any) -> bool:
    if not isinstance(url, str) or not url or len(url) > 2048 or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "tg" and bool(parts.netloc)


def _check_markup(markup: Any) -> Any:
    if markup is None:
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise BadRequest("Bad Request: BUTTON_TEXT_EMPTY")
            data, url = button.get("callback_data"), button.get("url")
            if (data is None) == (url is None):
                raise BadRequest("Bad Request: can't parse inline keyboard button")
            if data is not None and not (0 < len(data.encode()) <= 64):
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
            if url is not None and not _valid_url(url):
                raise BadRequest("Bad Request: BUTTON_URL_INVALID")
    return markup


def _words(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    index = 0
    for word in text.split(" "):
        out.append((index, word))
        index += len(word) + 1
    return out
