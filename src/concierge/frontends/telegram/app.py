"""The Telegram front-end: python-telegram-bot in, the core dispatcher, Telegram out.

Thin by design: each update is converted (convert.py), handed to the
dispatcher, and the replies are rendered by the chat's outbox (outbox.py).
Updates arrive by long polling, or, with a webhook URL, as POSTs to the
route from ``routes()`` on the shared ASGI app (webhook.py).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from pydantic import SecretStr
from starlette.routing import Route
from telegram import BotCommand, BotCommandScopeChat, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from concierge.core.access import Role
from concierge.core.dispatch import Dispatcher
from concierge.core.frontend import language_source, mark_unreachable
from concierge.core.i18n import LANGUAGES, Catalog
from concierge.core.messages import (
    Card,
    ChatRef,
    Inbound,
    MessageHandle,
    Outbox,
    Reply,
    Text,
    UserRef,
)
from concierge.core.notify import DeliveryFailed, Notifier, RecipientUnreachable
from concierge.core.registry import Registry
from concierge.core.relay import AttachmentGone
from concierge.core.skill import Command
from concierge.frontends.telegram.convert import (
    PLATFORM,
    AttachmentError,
    AttachmentRefused,
    AttachmentTooLarge,
    Converter,
    oversized,
)
from concierge.frontends.telegram.outbox import (
    CallbackAnswer,
    Delivery,
    LangSource,
    TelegramOutbox,
)
from concierge.frontends.telegram.ratelimit import RateLimits, SharedPacer, TelegramRateLimiter
from concierge.frontends.telegram.request import AiohttpRequest
from concierge.frontends.telegram.webhook import WebhookEndpoint, webhook_address
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
_COMMAND_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
MB = 1024 * 1024
# Short notices about a button press, shown to the presser alone (a toast), not the chat.
TOAST_KEYS = ("buttons.expired", "buttons.not_yours", "access.pending", "access.forbidden")


class TelegramStartError(RuntimeError):
    """Telegram refused the token or could not be reached at start-up."""


class TelegramFrontend:
    def __init__(
        self,
        *,
        token: SecretStr,
        dispatcher: Dispatcher,
        notifier: Notifier,
        registry: Registry,
        catalog: Catalog,
        users: UserRepo,
        api_base_url: str = DEFAULT_API_BASE_URL,
        upload_limit_mb: int = 50,
        download_limit_mb: int = 20,
        webhook_url: str | None = None,
        webhook_secret: SecretStr | None = None,
        local_mode: bool = False,
        limits: RateLimits | None = None,
        shared_pacing: SharedPacer | None = None,
        stream_interval: float = 1.0,
        poll_timeout: int = 30,
        callback_deadline: float = 3.0,
    ) -> None:
        self._token = token
        self.dispatcher = dispatcher
        self.notifier = notifier
        self.registry = registry
        self.catalog = catalog
        self.users = users
        self.webhook_url, self.webhook_path = webhook_address(webhook_url)
        self._poll_timeout = poll_timeout
        self._callback_deadline = callback_deadline
        base = api_base_url.rstrip("/")
        builder = (
            ApplicationBuilder()
            .token(token.get_secret_value())
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .local_mode(local_mode)
            .rate_limiter(TelegramRateLimiter(limits or RateLimits(), shared_pacing))
            .concurrent_updates(256)
            .request(
                AiohttpRequest(
                    read_timeout=20,
                    write_timeout=30,
                    connect_timeout=10,
                    pool_timeout=10,
                    media_write_timeout=300,
                )
            )
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
        )
        if webhook_url:
            builder = builder.updater(None)
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.webhook = WebhookEndpoint(self.application, webhook_secret)
        self.download_limit = download_limit_mb * MB
        self.delivery = Delivery(
            bot=self.application.bot,
            catalog=catalog,
            upload_limit=upload_limit_mb * MB,
            on_unreachable=self._mark_unreachable,
            stream_interval=stream_interval,
        )
        self.converter = Converter(self.application.bot, self.download_limit)
        self.sender = TelegramSender(self)
        self._toast_texts = frozenset(
            catalog.t(key, lang) for key in TOAST_KEYS for lang in LANGUAGES
        )

    # --- lifecycle -----------------------------------------------------------------

    @property
    def single(self) -> bool:
        """Long polling takes the bot's one update stream: one replica polls (a lease)."""
        return not self.webhook_url

    async def start(self, *, receive: bool = True) -> None:
        """Check the token, publish commands, then poll or register the webhook.

        ``receive=False`` starts sending only (notices, progress edits, fetching files for
        jobs): a worker process, or a replica waiting for the polling lease.
        """
        try:
            await self.application.initialize()
        except InvalidToken:
            raise TelegramStartError(
                "Telegram refused the bot token (TELEGRAM_BOT_TOKEN)"
            ) from None
        except TelegramError as exc:
            raise TelegramStartError(f"Telegram is unreachable: {self.redact(str(exc))}") from None
        if receive:
            await self.start_receiving()
        self.notifier.register(PLATFORM, self.sender)

    async def start_receiving(self) -> None:
        """Publish the commands and take updates: poll, or accept the webhook's POSTs."""
        await self._publish_commands()
        if self.webhook_url:
            await self.application.bot.set_webhook(
                self.webhook_url, secret_token=self.webhook.secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("telegram_webhook_set", path=self.webhook_path)
        else:
            updater = self.application.updater
            if updater is None:
                raise TelegramStartError("polling needs an updater")
            await updater.start_polling(
                poll_interval=0,
                timeout=self._poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                error_callback=self._on_polling_error,
            )
            log.info("telegram_polling_started", bot=self.application.bot.username)
        await self.application.start()
        self.webhook.accepting = True

    async def stop_receiving(self) -> None:
        """Take no more updates (those in hand finish); sending goes on."""
        self.webhook.accepting = False
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
            log.info("telegram_polling_stopped")
        if self.application.running:
            await self.application.stop()

    async def stop(self) -> None:
        """Stop taking updates; the webhook stays registered so Telegram keeps them."""
        self.notifier.unregister(PLATFORM)
        await self.stop_receiving()
        await self.application.shutdown()

    def routes(self) -> list[Route]:
        """The webhook endpoint for the shared ASGI app (empty when polling)."""
        if not self.webhook_url:
            return []
        return [Route(self.webhook_path, self.webhook.handle, methods=["POST"])]

    # --- inbound -------------------------------------------------------------------

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.receive(update)

    async def receive(self, update: Update) -> None:
        """One update, from polling, the webhook or a queued-update job."""
        if update.my_chat_member is not None:
            await self._membership(update.my_chat_member)
            return
        inbound = self.converter.inbound(update)
        query = update.callback_query
        if inbound is None:
            if query is not None:
                await CallbackAnswer(self.application.bot, query.id, frozenset()).done()
            return
        # Every event logged while this update is handled (core's too) names it and its chat.
        with structlog.contextvars.bound_contextvars(
            update_id=update.update_id, chat=inbound.chat.id
        ):
            await self._handle(update, inbound)

    async def _handle(self, update: Update, inbound: Inbound) -> None:
        query = update.callback_query
        answer = None
        if query is not None:
            answer = CallbackAnswer(
                self.application.bot, query.id, self._toast_texts, self._callback_deadline
            )
            answer.arm()
        message = update.message
        outbox = TelegramOutbox(
            self.delivery,
            inbound.chat.id,
            private=inbound.chat.kind == "private",
            lang=self.language_source(inbound.user),
            thread_id=message.message_thread_id if message and message.is_topic_message else None,
            reply_to=inbound.message_id if inbound.chat.kind == "group" and query is None else None,
            callback=answer,
        )
        try:
            too_big = oversized(inbound, self.download_limit)
            if too_big:
                inbound = await self._refuse_downloads(inbound, outbox, len(too_big))
            if inbound.text.strip() or inbound.attachments or inbound.button_id or inbound.location:
                await self.dispatcher.handle(inbound, outbox)
        finally:
            await outbox.close()
            if answer is not None:
                await answer.done()

    async def _refuse_downloads(
        self, inbound: Inbound, outbox: TelegramOutbox, count: int
    ) -> Inbound:
        """Answer about files over the getFile limit; pass on whatever else came."""
        user = await self.users.find(PLATFORM, inbound.user.id)
        if user is None or user.role is not Role.BLOCKED:
            limit = self.download_limit // MB
            await outbox.send(Text(await outbox.t("telegram.download_too_big", limit=limit)))
        log.info("telegram_download_refused", chat=inbound.chat.id, files=count)
        kept = tuple(
            a for a in inbound.attachments if a.size is None or a.size <= self.download_limit
        )
        return dataclasses.replace(inbound, attachments=kept)

    async def _membership(self, change: ChatMemberUpdated) -> None:
        """A private chat's member status says whether the user blocked the bot."""
        if change.chat.type != ChatType.PRIVATE:
            return
        user = await self.users.find(PLATFORM, change.chat.id)
        if user is None:
            return
        blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
        if blocked != user.unreachable:
            await self.users.set_unreachable(user.id, blocked)
            log.info("telegram_reachability_changed", user=user.key, unreachable=blocked)

    # --- helpers -------------------------------------------------------------------

    def language_source(self, ref: UserRef) -> LangSource:
        return language_source(self.users, ref, self.dispatcher.policy.default_language)

    async def _mark_unreachable(self, platform_id: int) -> None:
        await mark_unreachable(self.users, PLATFORM, platform_id)

    def redact(self, text: str) -> str:
        token = self._token.get_secret_value()
        return text.replace(token, "<token>") if token else text

    async def _publish_commands(self) -> None:
        """The command menu in English (default) and Russian; owners see every command."""
        listed = [
            c
            for c in self.registry.menu(Role.OWNER)
            if 0 < len(c.name) <= 32 and set(c.name) <= _COMMAND_NAME_CHARS
        ]
        public = [c for c in self.registry.menu(Role.USER) if c in listed]
        owners = [uid for platform, uid in self.dispatcher.policy.owners if platform == PLATFORM]
        bot = self.application.bot
        for lang in LANGUAGES:
            code = None if lang == "en" else lang
            menus: list[tuple[list[BotCommand], BotCommandScopeChat | None]] = [
                (self._menu(public, lang), None)
            ]
            menus += [(self._menu(listed, lang), BotCommandScopeChat(uid)) for uid in owners]
            for commands, scope in menus:
                try:
                    await bot.set_my_commands(commands, scope=scope, language_code=code)
                except TelegramError as exc:  # e.g. an owner who never opened the bot
                    log.warning("telegram_commands_not_set", lang=lang, error=str(exc))

    def _menu(self, commands: list[Command], lang: str) -> list[BotCommand]:
        return [
            BotCommand(c.name, (self.catalog.t(c.help_key, lang).strip() or c.name)[:256])
            for c in commands
        ]

    # --- errors --------------------------------------------------------------------

    def _on_polling_error(self, exc: TelegramError) -> None:
        log.warning(
            "telegram_polling_failed", error_type=type(exc).__name__, error=self.redact(str(exc))
        )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One log event per failure, and a short word to the user in their language."""
        exc = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        chat = update.effective_chat if isinstance(update, Update) else None
        user = update.effective_user if isinstance(update, Update) else None
        trace = "".join(traceback.format_exception(exc)) if exc is not None else ""
        log.error(
            "telegram_update_failed",
            update_id=update_id,
            chat=chat.id if chat else None,
            error_type=type(exc).__name__,
            error=self.redact(str(exc)),
            traceback=self.redact(trace),
        )
        if chat is None or user is None or isinstance(exc, RecipientUnreachable):
            return
        if isinstance(exc, Forbidden):
            if chat.type == ChatType.PRIVATE:
                await self._mark_unreachable(chat.id)
            return
        outbox = TelegramOutbox(
            self.delivery,
            chat.id,
            private=chat.type == ChatType.PRIVATE,
            lang=self.language_source(UserRef(PLATFORM, user.id, "", user.language_code)),
        )
        try:
            await outbox.send(Text(await outbox.t("telegram.failed")))
        except (TelegramError, RecipientUnreachable) as notice_exc:
            log.warning("telegram_error_notice_failed", chat=chat.id, error=str(notice_exc))


class TelegramSender:
    """Bot-initiated messages for the Notifier: send, and later edit or delete by handle;
    for jobs (``core/relay.py``) also a file again by its id and an outbox on a chat."""

    def __init__(self, frontend: TelegramFrontend) -> None:
        self._frontend = frontend

    def _outbox(self, chat_id: int) -> TelegramOutbox:
        front = self._frontend
        return TelegramOutbox(
            front.delivery,
            chat_id,
            private=chat_id > 0,
            lang=front.language_source(UserRef(PLATFORM, chat_id)),
        )

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        outbox = self._outbox(platform_user_id)
        async with self._errors(outbox):
            handle = await outbox.send(reply)
        if handle is None:
            raise ValueError("nothing to send: the reply is empty")
        return handle

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        outbox = self._outbox(handle.chat_id)
        async with self._errors(outbox):
            return await outbox.edit(handle, reply)

    async def delete_message(self, handle: MessageHandle) -> bool:
        outbox = self._outbox(handle.chat_id)
        async with self._errors(outbox):
            return await outbox.delete_message(handle)

    async def fetch_attachment(self, file_id: str) -> bytes:
        try:
            return await self._frontend.converter.download(file_id)
        except (AttachmentRefused, AttachmentTooLarge) as exc:
            raise AttachmentGone(str(exc)) from exc
        except AttachmentError as exc:
            raise DeliveryFailed(self._frontend.redact(str(exc))) from exc

    @asynccontextmanager
    async def open_chat(self, chat: ChatRef) -> AsyncIterator[Outbox]:
        front = self._frontend
        outbox = TelegramOutbox(
            front.delivery,
            chat.id,
            private=chat.kind == "private",
            lang=front.language_source(UserRef(PLATFORM, chat.id)),
        )
        try:
            yield outbox
        finally:
            await outbox.close()

    @asynccontextmanager
    async def _errors(self, outbox: TelegramOutbox) -> AsyncIterator[None]:
        """Telegram's refusals as the Notifier's typed errors."""
        try:
            yield
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise RecipientUnreachable(
                    f"telegram chat {outbox.chat_id}: chat not found"
                ) from exc
            raise DeliveryFailed(f"Telegram refused the message: {exc.message}") from exc
        except TelegramError as exc:
            raise DeliveryFailed(
                f"Telegram delivery failed: {self._frontend.redact(str(exc))}"
            ) from exc
        finally:
            await outbox.close()
