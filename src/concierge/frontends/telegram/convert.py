"""Telegram updates → core ``Inbound`` (or None when the bot should stay quiet).

In groups the bot answers only commands meant for it, messages that mention
it and replies to its own messages. Attachments are described, not
downloaded: ``Attachment.fetch`` pulls the bytes when a skill asks for them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, TelegramError

from concierge.core.messages import Attachment, AttachmentKind, ChatRef, Inbound, UserRef

PLATFORM = "telegram"
_SPACES = re.compile(r"[ \t]{2,}")


class AttachmentError(RuntimeError):
    """An attachment's bytes could not be fetched from Telegram."""


class AttachmentRefused(AttachmentError):
    """Telegram will not give this file (unknown or expired id): retrying will not help."""


class AttachmentTooLarge(AttachmentError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file is {size} bytes; bots may download up to {limit}")
        self.size = size
        self.limit = limit


class Converter:
    def __init__(self, bot: Bot, download_limit: int) -> None:
        self._bot = bot
        self.download_limit = download_limit

    def inbound(self, update: Update) -> Inbound | None:
        if update.callback_query is not None:
            return self._button(update)
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return None  # edits, channel posts, service updates, other bots
        private = message.chat.type == ChatType.PRIVATE
        text = message.text or message.caption or ""
        if not private:
            addressed, text = self._addressed(message, text)
            if not addressed:
                return None
        attachments = self._attachments(message)
        location = message.location
        if not text.strip() and not attachments and location is None:
            return None
        user = message.from_user
        return Inbound(
            user=UserRef(PLATFORM, user.id, user.full_name, user.language_code),
            chat=ChatRef(PLATFORM, message.chat.id, "private" if private else "group"),
            text=text,
            update_id=str(update.update_id),
            attachments=attachments,
            message_id=message.message_id,
            location=(location.latitude, location.longitude) if location is not None else None,
        )

    def _button(self, update: Update) -> Inbound | None:
        query = update.callback_query
        if query is None or not query.data:
            return None
        user = query.from_user
        chat_id, private = user.id, True
        if query.message is not None:
            chat_id = query.message.chat.id
            private = query.message.chat.type == ChatType.PRIVATE
        return Inbound(
            user=UserRef(PLATFORM, user.id, user.full_name, user.language_code),
            chat=ChatRef(PLATFORM, chat_id, "private" if private else "group"),
            update_id=str(update.update_id),
            button_id=query.data,
            message_id=query.message.message_id if query.message is not None else None,
        )

    def _addressed(self, message: Message, text: str) -> tuple[bool, str]:
        """Whether a group message is for this bot, and its text without the @mention."""
        username = (self._bot.username or "").lower()
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            _, at, target = head.partition("@")
            return (not at or target.lower() == username), text
        replied = message.reply_to_message
        if replied is not None and replied.from_user and replied.from_user.id == self._bot.id:
            return True, text
        entities = message.parse_entities() if message.text else message.parse_caption_entities()
        for entity, value in entities.items():
            mentioned = (
                entity.type == MessageEntityType.MENTION and value.lower() == f"@{username}"
            ) or (
                entity.type == MessageEntityType.TEXT_MENTION
                and entity.user is not None
                and entity.user.id == self._bot.id
            )
            if mentioned and username:
                cleaned = text.replace(value, " ", 1) if value.startswith("@") else text
                return True, _SPACES.sub(" ", cleaned).strip()
        return False, text

    def _attachments(self, message: Message) -> tuple[Attachment, ...]:
        found: list[Attachment] = []
        for field, kind, default_mime in _MEDIA:
            media: object = getattr(message, field)
            if field == "photo":
                media = media[-1] if media else None  # type: ignore[index]  # the largest size
            if media is None:
                continue
            found.append(
                self._attach(
                    kind,
                    getattr(media, "file_id"),  # noqa: B009  # every media type has these
                    getattr(media, "file_size", None),
                    getattr(media, "mime_type", None) or default_mime,
                    getattr(media, "file_name", None),
                    _seconds(media),
                )
            )
        return tuple(found)

    def _attach(
        self,
        kind: AttachmentKind,
        file_id: str,
        size: int | None,
        mime_type: str | None,
        filename: str | None,
        duration: int | None,
    ) -> Attachment:
        return Attachment(
            kind=kind,
            file_id=file_id,
            size=size,
            mime_type=mime_type,
            filename=filename,
            duration=duration,
            fetch=self._fetcher(file_id, size),
        )

    def _fetcher(self, file_id: str, size: int | None) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            return await self.download(file_id, size)

        return fetch

    async def download(self, file_id: str, size: int | None = None) -> bytes:
        """The file's bytes by its (storable) file id, within the bot download limit."""
        limit = self.download_limit
        if size is not None and size > limit:
            raise AttachmentTooLarge(size, limit)
        try:
            file = await self._bot.get_file(file_id)
            if file.file_size is not None and file.file_size > limit:
                raise AttachmentTooLarge(file.file_size, limit)
            return bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise AttachmentTooLarge(size or limit + 1, limit) from exc
            raise AttachmentRefused(f"Telegram refused the file: {exc.message}") from exc
        except TelegramError as exc:
            raise AttachmentError(f"downloading the file failed: {exc.message}") from exc


def oversized(inbound: Inbound, limit: int) -> list[Attachment]:
    """Attachments Telegram will not let the bot download."""
    return [a for a in inbound.attachments if a.size is not None and a.size > limit]


# Message field → attachment kind, and the MIME type when Telegram gives none.
_MEDIA: tuple[tuple[str, AttachmentKind, str | None], ...] = (
    ("voice", AttachmentKind.VOICE, None),
    ("audio", AttachmentKind.AUDIO, None),
    ("video_note", AttachmentKind.VIDEO, "video/mp4"),
    ("video", AttachmentKind.VIDEO, None),
    ("document", AttachmentKind.DOCUMENT, None),
    ("photo", AttachmentKind.PHOTO, "image/jpeg"),
)


def _seconds(media: object) -> int | None:
    """A media's duration in whole seconds, whichever form this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that int periods are deprecated
        duration = getattr(media, "duration", None)
    if duration is None:
        return None
    if isinstance(duration, timedelta):
        return int(duration.total_seconds())
    return int(str(duration))
