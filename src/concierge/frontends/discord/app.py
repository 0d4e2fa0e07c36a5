"""The Discord front-end: discord.py in, the core dispatcher, Discord out.

Thin by design: each interaction or message is converted (convert.py), handed to the
dispatcher, and the replies are rendered by the channel's outbox (outbox.py). Slash
commands are generated from the core registry (commands.py) and synced at start: to the
guilds in ``DISCORD_GUILD_IDS`` (instantly) or globally. The REST base URL and the
gateway URL are discord.py's ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``,
set from settings at start (discord.py keeps them per process).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import discord
import structlog
import yarl
from pydantic import SecretStr
from starlette.routing import BaseRoute

from concierge.core.access import Role
from concierge.core.dispatch import Dispatcher
from concierge.core.frontend import LangSource, language_source, mark_unreachable
from concierge.core.i18n import LANGUAGES, Catalog
from concierge.core.messages import Inbound, Text, UserRef
from concierge.core.notify import Notifier
from concierge.core.registry import Registry
from concierge.frontends.discord.commands import application_commands
from concierge.frontends.discord.convert import PLATFORM, Converter, oversized
from concierge.frontends.discord.interaction import InteractionReply
from concierge.frontends.discord.outbox import DM_UPLOAD_LIMIT, MB, Delivery, DiscordOutbox
from concierge.frontends.discord.sender import DiscordSender
from concierge.storage.repos import UserRepo

log = structlog.get_logger(__name__)

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
# Short notices about the press or the user, shown to them alone (ephemeral).
EPHEMERAL_KEYS = (
    "buttons.expired", "buttons.not_yours", "access.pending", "access.forbidden",
    "errors.generic", "discord.failed",
)  # fmt: skip


class DiscordStartError(RuntimeError):
    """Discord refused the token or could not be reached at start-up."""


class _Client(discord.Client):
    def __init__(self, frontend: DiscordFrontend, **options: Any) -> None:
        super().__init__(**options)
        self._frontend = frontend

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        async with self._frontend.handling():
            await self._frontend.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        async with self._frontend.handling():
            await self._frontend.on_message(message)


class DiscordFrontend:
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
        gateway_url: str = DEFAULT_GATEWAY_URL,
        guild_ids: Sequence[int] = (),
        upload_limit_mb: int | None = None,
        download_limit_mb: int = 50,
        link_channels: Sequence[int] = (),
        stream_interval: float = 1.0,
        ack_deadline: float = 1.0,  # answer by then, else defer: 2 s of Discord's 3 to spare
        guild_ready_timeout: float = 2.0,
        start_timeout: float = 60.0,
        drain_seconds: float = 30.0,
    ) -> None:
        self._token = token
        self.dispatcher = dispatcher
        self.notifier = notifier
        self.registry = registry
        self.catalog = catalog
        self.users = users
        self._api_base_url = api_base_url.rstrip("/")
        self._gateway_url = gateway_url
        self.guild_ids = tuple(guild_ids)
        self._upload_limit = upload_limit_mb * MB if upload_limit_mb else None
        self.download_limit = download_limit_mb * MB
        self._ack_deadline = ack_deadline
        self._start_timeout = start_timeout
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: without it guild texts arrive empty
        self.client = _Client(
            self,
            intents=intents,
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            max_messages=None,
        )
        self.delivery = Delivery(
            client=self.client,
            catalog=catalog,
            on_unreachable=self._mark_unreachable,
            stream_interval=stream_interval,
        )
        self.converter = Converter(
            self.client, registry, self.download_limit, frozenset(link_channels)
        )
        self.sender = DiscordSender(self)
        self._ephemeral = frozenset(
            catalog.t(k, lang) for k in EPHEMERAL_KEYS for lang in LANGUAGES
        )
        self._gateway: asyncio.Task[None] | None = None
        self._gateway_error: str | None = None
        self._handling = 0  # events being handled; stop() lets them finish
        self._idle = asyncio.Event()
        self._idle.set()
        self._drain_seconds = drain_seconds

    # --- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Log in, sync the slash commands, connect the gateway and wait for READY."""
        discord.http.Route.BASE = self._api_base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self._gateway_url)
        try:
            await self.client.login(self._token.get_secret_value())
        except discord.LoginFailure:
            await self.client.close()
            raise DiscordStartError("Discord refused the bot token (DISCORD_BOT_TOKEN)") from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await self.client.close()
            raise DiscordStartError(f"Discord is unreachable: {self.redact(str(exc))}") from None
        await self.sync_commands()
        self._gateway = asyncio.create_task(self._connect(), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready(), name="discord-ready")
        done, _ = await asyncio.wait(
            {ready, self._gateway}, timeout=self._start_timeout, return_when="FIRST_COMPLETED"
        )
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            await self.stop()
            raise DiscordStartError(self._gateway_error or "the Discord gateway did not get ready")
        self.notifier.register(PLATFORM, self.sender)
        log.info("discord_ready", bot=str(self.client.user), guilds=len(self.client.guilds))

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self._gateway_error = (
                "Discord refused the Message Content intent: switch it on in the Developer "
                "Portal (Bot → Privileged Gateway Intents)"
            )
            log.error("discord_intent_missing", hint=self._gateway_error)
        except (discord.HTTPException, discord.ConnectionClosed, aiohttp.ClientError) as exc:
            self._gateway_error = f"the Discord gateway failed: {self.redact(str(exc))}"
            log.error("discord_gateway_failed", error=self._gateway_error)

    async def stop(self) -> None:
        """Let the events being handled finish their replies, then close the connection."""
        self.notifier.unregister(PLATFORM)
        await asyncio.sleep(0)  # events already dispatched to tasks enter handling() first
        try:
            await asyncio.wait_for(self._idle.wait(), self._drain_seconds)
        except TimeoutError:
            log.warning("discord_drain_timeout", handling=self._handling)
        await self.client.close()
        if self._gateway is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._gateway
            self._gateway = None

    def routes(self) -> list[BaseRoute]:
        return []  # the gateway is a websocket the bot opens; nothing comes in over HTTP

    async def sync_commands(self) -> None:
        """Overwrite the application's commands with the registry's (guilds, else global)."""
        payload = application_commands(self.registry, self.catalog)
        app_id = self.client.application_id
        if app_id is None:
            raise DiscordStartError("Discord did not say the application id")
        http = self.client.http
        try:
            if self.guild_ids:
                for guild_id in self.guild_ids:
                    await http.bulk_upsert_guild_commands(app_id, guild_id, payload)
            else:
                await http.bulk_upsert_global_commands(app_id, payload)
        except discord.HTTPException as exc:
            log.error("discord_commands_not_synced", status=exc.status, error=exc.text)
            return
        log.info("discord_commands_synced", commands=len(payload), guilds=list(self.guild_ids))

    # --- inbound -------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def handling(self) -> AsyncIterator[None]:
        """Count an event as in flight while it is handled (stop() waits for these)."""
        self._handling += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._handling -= 1
            if self._handling == 0:
                self._idle.set()

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        inbound = self.converter.interaction(interaction)
        if inbound is None:
            return
        reply = InteractionReply(interaction, self._ephemeral, self._ack_deadline)
        reply.arm()
        private = inbound.chat.kind == "private"
        outbox = DiscordOutbox(
            self.delivery,
            inbound.chat.id,
            upload_limit=self._upload_limit or interaction.filesize_limit or DM_UPLOAD_LIMIT,
            lang=self.language_source(inbound.user),
            recipient=inbound.user.id if private else None,
            interaction=reply,
        )
        with structlog.contextvars.bound_contextvars(update_id=inbound.update_id,
                                                     chat=inbound.chat.id):  # fmt: skip
            try:
                await self.dispatcher.handle(inbound, outbox)
            finally:
                await outbox.close()
                await reply.done()

    async def on_message(self, message: discord.Message) -> None:
        inbound = self.converter.message(message)
        if inbound is None:
            return
        guild = message.guild
        private = guild is None
        outbox = DiscordOutbox(
            self.delivery,
            inbound.chat.id,
            upload_limit=self._upload_limit or (guild.filesize_limit if guild else DM_UPLOAD_LIMIT),
            lang=self.language_source(inbound.user),
            recipient=inbound.user.id if private else None,
            reply_to=None if private else message.id,
        )
        with structlog.contextvars.bound_contextvars(update_id=inbound.update_id,
                                                     chat=inbound.chat.id):  # fmt: skip
            try:
                if oversized(inbound, self.download_limit):
                    inbound = await self._refuse_downloads(inbound, outbox)
                if inbound.text.strip() or inbound.attachments:
                    await self.dispatcher.handle(inbound, outbox)
            finally:
                await outbox.close()

    async def _refuse_downloads(self, inbound: Inbound, outbox: DiscordOutbox) -> Inbound:
        """Answer about files over the download limit; pass on whatever else came."""
        user = await self.users.find(PLATFORM, inbound.user.id)
        if user is None or user.role is not Role.BLOCKED:
            limit = self.download_limit // MB
            await outbox.send(Text(await outbox.t("discord.download_too_big", limit=limit)))
        kept = tuple(
            a for a in inbound.attachments if a.size is None or a.size <= self.download_limit
        )
        log.info("discord_download_refused", files=len(inbound.attachments) - len(kept))
        return dataclasses.replace(inbound, attachments=kept)

    # --- helpers -------------------------------------------------------------------

    def language_source(self, ref: UserRef) -> LangSource:
        return language_source(self.users, ref, self.dispatcher.policy.default_language)

    async def _mark_unreachable(self, platform_id: int) -> None:
        await mark_unreachable(self.users, PLATFORM, platform_id)

    def redact(self, text: str) -> str:
        token = self._token.get_secret_value()
        return text.replace(token, "<token>") if token else text
