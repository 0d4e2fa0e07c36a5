"""Discord events → core ``Inbound`` (or None when the bot should stay quiet).

In DMs every message goes to the core. In guild channels the bot answers slash
commands, messages that mention it, replies to its own messages and, in the channels
the operator lists (``DISCORD_LINK_CHANNELS``), messages that are just a link.
Attachments are described, not downloaded: ``Attachment.fetch`` pulls the bytes (size
checked) when a skill asks for them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from concierge.core.messages import Attachment, AttachmentKind, ChatRef, Inbound, UserRef
from concierge.core.registry import Registry
from concierge.frontends.discord.commands import command_text

PLATFORM = "discord"
_BARE_LINK = re.compile(r"https?://\S+")
_SPACES = re.compile(r"[ \t]{2,}")


class AttachmentError(RuntimeError):
    """An attachment's bytes could not be fetched from Discord."""


class AttachmentTooLarge(AttachmentError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file is {size} bytes; the bot fetches up to {limit}")
        self.size = size
        self.limit = limit


class Converter:
    def __init__(
        self,
        client: discord.Client,
        registry: Registry,
        download_limit: int,
        link_channels: frozenset[int] = frozenset(),
    ) -> None:
        self._client = client
        self._registry = registry
        self.download_limit = download_limit
        self._link_channels = link_channels

    @staticmethod
    def _user(user: discord.User | discord.Member, locale: str | None) -> UserRef:
        return UserRef(PLATFORM, user.id, user.display_name, locale)

    def interaction(self, interaction: discord.Interaction[Any]) -> Inbound | None:
        data: dict[str, Any] = dict(interaction.data or {})
        private = interaction.guild_id is None
        channel_id = interaction.channel_id
        if channel_id is None or interaction.user is None:
            return None
        user = self._user(interaction.user, str(interaction.locale))
        chat = ChatRef(PLATFORM, channel_id, "private" if private else "group")
        update_id = str(interaction.id)
        if interaction.type is discord.InteractionType.application_command:
            name = str(data.get("name", ""))
            text = command_text(self._registry.commands.get(name), name, data.get("options", []))
            return Inbound(user, chat, text=text, update_id=update_id)
        if interaction.type is discord.InteractionType.component:
            custom_id = str(data.get("custom_id", ""))
            if not custom_id:
                return None
            message = interaction.message
            message_id = message.id if message is not None else None
            return Inbound(user, chat, update_id=update_id, button_id=custom_id,
                           message_id=message_id)  # fmt: skip
        return None  # autocomplete, modals: not used

    def message(self, message: discord.Message) -> Inbound | None:
        if message.author.bot or message.type not in (
            discord.MessageType.default,
            discord.MessageType.reply,
        ):
            return None
        private = message.guild is None
        text = message.content
        if not private:
            addressed, text = self._addressed(message)
            if not addressed:
                return None
        attachments = tuple(self._attachment(message, a) for a in message.attachments)
        if not text.strip() and not attachments:
            return None
        return Inbound(
            user=self._user(message.author, None),  # messages carry no locale
            chat=ChatRef(PLATFORM, message.channel.id, "private" if private else "group"),
            text=text,
            update_id=str(message.id),
            attachments=attachments,
            message_id=message.id,
        )

    def _addressed(self, message: discord.Message) -> tuple[bool, str]:
        """Whether a guild message is for this bot, and its text without the mention."""
        me = self._client.user
        text = message.content
        if me is None:
            return False, text
        if any(user.id == me.id for user in message.mentions):
            for form in (f"<@{me.id}>", f"<@!{me.id}>"):
                text = text.replace(form, " ")
            return True, _SPACES.sub(" ", text).strip()
        replied = message.reference.resolved if message.reference is not None else None
        if isinstance(replied, discord.Message) and replied.author.id == me.id:
            return True, text
        if message.channel.id in self._link_channels and _BARE_LINK.fullmatch(text.strip()):
            return True, text.strip()
        return False, text

    def _attachment(self, message: discord.Message, item: discord.Attachment) -> Attachment:
        mime = item.content_type.split(";")[0].strip() if item.content_type else None
        if item.is_voice_message() or (message.flags.voice and mime and "audio" in mime):
            kind = AttachmentKind.VOICE
        elif mime and mime.startswith("audio/"):
            kind = AttachmentKind.AUDIO
        elif mime and mime.startswith("video/"):
            kind = AttachmentKind.VIDEO
        elif mime and mime.startswith("image/"):
            kind = AttachmentKind.PHOTO
        else:
            kind = AttachmentKind.DOCUMENT
        return Attachment(
            kind=kind,
            file_id=str(item.id),
            size=item.size,
            mime_type=mime,
            filename=item.filename,
            duration=round(item.duration) if item.duration is not None else None,
            fetch=self._fetcher(item),
        )

    def _fetcher(self, item: discord.Attachment) -> Callable[[], Awaitable[bytes]]:
        limit = self.download_limit

        async def fetch() -> bytes:
            if item.size > limit:
                raise AttachmentTooLarge(item.size, limit)
            try:
                data = await item.read()
            except discord.HTTPException as exc:
                raise AttachmentError(f"downloading the file failed: {exc.status}") from exc
            if len(data) > limit:
                raise AttachmentTooLarge(len(data), limit)
            return data

        return fetch


def oversized(inbound: Inbound, limit: int) -> list[Attachment]:
    """Attachments over the bot's download limit."""
    return [a for a in inbound.attachments if a.size is not None and a.size > limit]
