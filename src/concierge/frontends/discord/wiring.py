"""Builds the Discord front-end from settings and the assembled app (used by `serve`)."""

from __future__ import annotations

from concierge.bootstrap import App
from concierge.config import Settings
from concierge.frontends.discord.app import DiscordFrontend


def _ids(values: list[str], setting: str) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError:
        raise ValueError(f"{setting} must be numeric ids, comma-separated") from None


def build_discord(settings: Settings, app: App) -> DiscordFrontend:
    if settings.discord_bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    return DiscordFrontend(
        token=settings.discord_bot_token,
        dispatcher=app.dispatcher,
        notifier=app.notifier,
        registry=app.registry,
        catalog=app.catalog,
        users=app.users,
        api_base_url=settings.discord_api_base_url,
        gateway_url=settings.discord_gateway_url,
        guild_ids=_ids(settings.discord_guild_ids, "DISCORD_GUILD_IDS"),
        upload_limit_mb=settings.discord_upload_limit_mb,
        link_channels=_ids(settings.discord_link_channels, "DISCORD_LINK_CHANNELS"),
    )
