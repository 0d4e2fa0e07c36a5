"""`concierge doctor`'s Discord line: is the token accepted, are the id lists numeric."""

from __future__ import annotations

import httpx

from concierge.config import Settings

TIMEOUT_SECONDS = 5.0


async def check_discord(settings: Settings) -> tuple[bool, str]:
    if settings.discord_bot_token is None:
        return True, "not configured"
    token = settings.discord_bot_token.get_secret_value()
    for name, values in (
        ("DISCORD_GUILD_IDS", settings.discord_guild_ids),
        ("DISCORD_LINK_CHANNELS", settings.discord_link_channels),
    ):
        bad = [v for v in values if not v.isdigit()]
        if bad:
            return False, f"{name} must be numeric ids; {bad[0]!r} is not"
    base = settings.discord_api_base_url.rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            response = await client.get(
                f"{base}/users/@me", headers={"Authorization": f"Bot {token}"}
            )
    except httpx.TimeoutException:
        return False, f"{base} did not answer within {TIMEOUT_SECONDS:g} s"
    except httpx.HTTPError as exc:
        return False, f"cannot reach {base}: {type(exc).__name__}"
    if response.status_code == 401:
        return False, f"{base} rejected DISCORD_BOT_TOKEN (HTTP 401)"
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        return False, f"{base} answered HTTP {response.status_code} without a Discord user"
    where = (
        f"guilds {', '.join(settings.discord_guild_ids)}"
        if settings.discord_guild_ids
        else ("global commands")
    )
    return True, f"token accepted by {base}; bot {body.get('username', '?')}; {where}"
