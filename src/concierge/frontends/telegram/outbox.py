"""The core's Outbox for one Telegram chat: replies, files, typing, button answers.

Every call goes through the bot's rate limiter. A Forbidden answer (the user
blocked the bot) marks the recipient unreachable and raises
``RecipientUnreachable`` instead of being retried. Streamed answers live in
stream.py and post through this outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from telegram import (
    Bot,
    InputFile,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from concierge.core.i18n import Catalog
from concierge.core.messages import Card, HandleKind, MessageHandle, Reply, Text
from concierge.core.notify import RecipientUnreachable
from concierge.frontends.telegram.convert import PLATFORM
from concierge.frontends.telegram.edits import edit_reply
from concierge.frontends.telegram.render import (
    AlbumOut,
    FileOut,
    FileTooLarge,
    Outgoing,
    PhotoOut,
    TextOut,
    render_reply,
)
from concierge.frontends.telegram.stream import TelegramStream

log = structlog.get_logger(__name__)

T = TypeVar("T")
LangSource = Callable[[], Awaitable[str]]
MAX_TOAST = 200  # answerCallbackQuery text limit


@dataclass(slots=True)
class Delivery:
    """What every chat's outbox shares."""

    bot: Bot
    catalog: Catalog
    upload_limit: int  # bytes
    on_unreachable: Callable[[int], Awaitable[None]]  # private chat id = user id
    stream_interval: float = 1.0
    typing_interval: float = 2.5  # at most one chat action per chat this often
    drafts_enabled: bool = True  # switched off for good once the API refuses a draft


class CallbackAnswer:
    """Answers one button press exactly once, before Telegram's time limit.

    A short notice about the button itself (expired, someone else's) is shown
    as a toast to the presser instead of a message to the whole chat.
    """

    def __init__(
        self, bot: Bot, query_id: str, toast_texts: frozenset[str], deadline: float = 3.0
    ) -> None:
        self._bot = bot
        self._query_id = query_id
        self._toast_texts = toast_texts
        self._deadline = deadline
        self._answered = False
        self._timer: asyncio.Task[None] | None = None

    def arm(self) -> None:
        self._timer = asyncio.create_task(self._answer_late(), name="telegram-callback-deadline")

    async def _answer_late(self) -> None:
        await asyncio.sleep(self._deadline)
        await self._answer(None)

    async def toast(self, text: str) -> bool:
        if self._answered or text not in self._toast_texts or len(text) > MAX_TOAST:
            return False
        await self._answer(text)
        return True

    async def done(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self._answer(None)

    async def _answer(self, text: str | None) -> None:
        if self._answered:
            return
        self._answered = True
        try:
            await self._bot.answer_callback_query(self._query_id, text=text)
        except TelegramError as exc:
            log.warning("telegram_callback_answer_failed", error=str(exc))


class TelegramOutbox:
    def __init__(
        self,
        delivery: Delivery,
        chat_id: int,
        *,
        private: bool,
        lang: LangSource,
        thread_id: int | None = None,
        reply_to: int | None = None,
        callback: CallbackAnswer | None = None,
    ) -> None:
        self.delivery = delivery
        self.chat_id = chat_id
        self.private = private
        self._lang = lang
        self._thread_id = thread_id
        self._reply_to = reply_to
        self._callback = callback
        self._typing_sent = -1e9
        self._unreachable = False
        self._streams: list[TelegramStream] = []

    # --- Outbox protocol ---------------------------------------------------------

    async def send(self, reply: Reply) -> MessageHandle | None:
        if (
            self._callback is not None
            and isinstance(reply, Text)
            and not reply.buttons
            and await self._callback.toast(reply.text)
        ):
            return None
        try:
            outgoing = render_reply(reply, self.delivery.upload_limit)
        except FileTooLarge as exc:
            log.warning("telegram_upload_refused", chat=self.chat_id, size=exc.size)
            text = await self.t(
                "telegram.upload_too_big",
                name=exc.filename,
                size=_mb(exc.size),
                limit=_mb(exc.limit),
            )
            outgoing = render_reply(Text(text), self.delivery.upload_limit)
        sent: list[Message] = []
        for out in outgoing:
            sent.extend(await self.post_all(out))
        if not sent:
            return None
        kind: HandleKind = "text" if sent[0].text is not None else "media"
        return MessageHandle(PLATFORM, self.chat_id, tuple(m.message_id for m in sent), kind)

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        """Show ``reply`` in the messages of ``handle`` (see edits.py)."""
        return await edit_reply(self, handle, reply)

    async def delete_message(self, handle: MessageHandle) -> bool:
        """Remove every message of a reply the bot sent; False when Telegram won't."""
        deleted = [await self.delete(message_id) for message_id in handle.message_ids]
        return all(deleted)

    def stream(self) -> TelegramStream:
        stream = TelegramStream(self, use_draft=self.private and self.delivery.drafts_enabled)
        self._streams.append(stream)
        return stream

    async def typing(self) -> None:
        """Show "typing…" (Telegram keeps it ~5 s; callers repeat it while tools work)."""
        now = time.monotonic()
        if now - self._typing_sent < self.delivery.typing_interval:
            return
        self._typing_sent = now
        try:
            await self.call(
                lambda chat: self.delivery.bot.send_chat_action(
                    chat, ChatAction.TYPING, message_thread_id=self._thread_id
                )
            )
        except (TelegramError, RecipientUnreachable) as exc:  # cosmetic: never fail over it
            log.info("telegram_typing_failed", chat=self.chat_id, error=str(exc))

    async def delete(self, message_id: int) -> bool:
        """Remove a message (e.g. one holding a password); False when Telegram won't."""
        bot = self.delivery.bot
        try:
            return bool(await self.call(lambda chat: bot.delete_message(chat, message_id)))
        except (BadRequest, RecipientUnreachable) as exc:  # too old, or no admin right in a group
            log.info("telegram_delete_refused", chat=self.chat_id, error=str(exc))
            return False

    # --- helpers -----------------------------------------------------------------

    async def t(self, key: str, **values: object) -> str:
        return self.delivery.catalog.t(key, await self._lang(), **values)

    async def close(self) -> None:
        """Stop background work once the update is handled."""
        for stream in self._streams:
            await stream.cancel_pending()

    async def call(self, make: Callable[[int], Awaitable[T]]) -> T:
        """Run one Bot API call for this chat, following a group's migration once."""
        if self._unreachable:
            raise RecipientUnreachable(f"telegram chat {self.chat_id} blocked the bot")
        try:
            try:
                return await make(self.chat_id)
            except ChatMigrated as exc:
                log.info("telegram_chat_migrated", old=self.chat_id, new=exc.new_chat_id)
                self.chat_id = int(exc.new_chat_id)
                return await make(self.chat_id)
        except Forbidden as exc:
            self._unreachable = True
            if self.private:
                await self.delivery.on_unreachable(self.chat_id)
            raise RecipientUnreachable(f"telegram chat {self.chat_id}: {exc.message}") from exc

    def _reply_parameters(self) -> ReplyParameters | None:
        if self._reply_to is None:
            return None
        reply_to, self._reply_to = self._reply_to, None  # only the first message quotes
        return ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)

    async def post(self, out: Outgoing) -> Message:
        """Send one outgoing message; the last message it became."""
        return (await self.post_all(out))[-1]

    async def post_all(self, out: Outgoing) -> list[Message]:
        """Send one outgoing message; a photo Telegram can't use becomes its text fallback."""
        bot = self.delivery.bot
        thread = self._thread_id
        reply = self._reply_parameters()
        if isinstance(out, TextOut):
            sent = await self.call(
                lambda chat: bot.send_message(
                    chat,
                    out.text,
                    entities=list(out.entities) or None,
                    reply_markup=out.markup,
                    message_thread_id=thread,
                    reply_parameters=reply,
                )
            )
            return [sent]
        if isinstance(out, PhotoOut):
            try:
                photo = await self.call(
                    lambda chat: bot.send_photo(
                        chat,
                        out.url,
                        caption=out.caption or None,
                        caption_entities=list(out.entities) or None,
                        reply_markup=out.markup,
                        message_thread_id=thread,
                        reply_parameters=reply,
                    )
                )
            except BadRequest as exc:  # Telegram could not fetch or use the image
                log.warning("telegram_photo_url_refused", chat=self.chat_id, error=exc.message)
                return [await self.post(text) for text in out.fallback]
            return [photo]
        if isinstance(out, AlbumOut):
            return await self._post_album(out, reply)
        return [await self._post_file(out, reply)]

    async def _post_album(self, out: AlbumOut, reply: ReplyParameters | None) -> list[Message]:
        """One media group, each file streamed from its open reader."""
        bot = self.delivery.bot
        with contextlib.ExitStack() as readers:
            media: list[InputMediaPhoto | InputMediaVideo] = []
            for n, file in enumerate(out.files):
                upload = InputFile(
                    readers.enter_context(file.open()), file.filename,
                    attach=True, read_file_handle=False,
                )  # fmt: skip
                caption = out.caption or None if n == 0 else None
                entities = list(out.entities) or None if n == 0 else None
                kind = InputMediaPhoto if file.kind == "photo" else InputMediaVideo
                media.append(kind(upload, caption=caption, caption_entities=entities))
            sent = await self.call(
                lambda chat: bot.send_media_group(
                    chat, media, message_thread_id=self._thread_id, reply_parameters=reply
                )
            )
        return list(sent)

    async def _post_file(self, out: FileOut, reply: ReplyParameters | None) -> Message:
        """Upload from an open reader: the HTTP client streams it (and rewinds on a retry)."""
        with out.source.open() as reader:
            return await self._upload(
                out, InputFile(reader, out.filename, read_file_handle=False), reply
            )

    async def _upload(
        self, out: FileOut, upload: InputFile, reply: ReplyParameters | None
    ) -> Message:
        bot = self.delivery.bot
        caption = out.caption or None
        entities = list(out.entities) or None
        thread = self._thread_id

        senders: dict[str, Callable[..., Awaitable[Message]]] = {
            "photo": bot.send_photo,
            "video": bot.send_video,
            "audio": bot.send_audio,
            "voice": bot.send_voice,
        }
        method = senders.get(out.kind, bot.send_document)

        async def send(chat: int) -> Message:
            return await method(
                chat, upload, caption=caption, caption_entities=entities,
                message_thread_id=thread, reply_parameters=reply,
            )  # fmt: skip

        return await self.call(send)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"
