"""The fake Discord's state and answers: documented payload shapes and Discord's checks.

Split from fake_discord.py (the server); this part knows what each route does:
messages the bot posts or edits (with Discord's limits checked), interaction responses
(each acknowledged once), follow-ups, DM channels, and the dispatch payloads tests
inject (slash commands, button presses, DMs, guild messages, attachments).
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fake_discord import Call, FakeDiscord

EPHEMERAL = 1 << 6
LOADING = 1 << 7
VOICE_MESSAGE = 1 << 13
UPLOAD_LIMIT = 10 * 1024 * 1024
_NAME = re.compile(r"^[-_\w]{1,32}$")
_LOCALES = {"ru", "en-US", "en-GB", "uk", "de", "fr"}
_EMBED_LIMITS = {"title": 256, "description": 4096}


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Payloads:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.dm_channels: dict[int, int] = {}  # user id → DM channel id
        self.late_acks: list[str] = []  # interactions acknowledged after Discord's 3 s
        self.acked_at: dict[str, float] = {}  # interaction id → when it was acknowledged
        self.dispatched_at: dict[str, float] = {}  # interaction id → when it was injected

    # --- objects ----------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        from tests.support.fake_discord import BOT_ID

        return {"id": str(BOT_ID), "username": "concierge", "discriminator": "0",
                "global_name": "Concierge", "avatar": None, "bot": True, "flags": 0}  # fmt: skip

    @staticmethod
    def user(user_id: int, name: str = "Ann") -> dict[str, Any]:
        return {"id": str(user_id), "username": name.lower(), "discriminator": "0",
                "global_name": name, "avatar": None, "bot": False, "flags": 0}  # fmt: skip

    def member(self, user: dict[str, Any]) -> dict[str, Any]:
        return {"user": user, "roles": [], "joined_at": _now(), "deaf": False, "mute": False,
                "flags": 0, "nick": None, "permissions": "2248473465835073"}  # fmt: skip

    def guild(self) -> dict[str, Any]:
        from tests.support.fake_discord import CHANNEL_ID, GUILD_ID

        return {
            "id": str(GUILD_ID), "name": "Fake Guild", "owner_id": "1", "icon": None,
            "unavailable": False, "large": False, "member_count": 2, "premium_tier": 0,
            "features": [], "emojis": [], "stickers": [], "joined_at": _now(),
            "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "1071698660929"}],
            "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "general", "position": 0,
                          "guild_id": str(GUILD_ID), "permission_overwrites": [], "nsfw": False}],
            "members": [self.member(self.bot_user())], "voice_states": [], "presences": [],
            "threads": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }  # fmt: skip

    def application(self) -> dict[str, Any]:
        from tests.support.fake_discord import APP_ID

        return {"id": str(APP_ID), "name": "Concierge", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "00" * 32,
                "owner": self.user(1, "Owner"), "flags": 0, "summary": "", "team": None,
                "interactions_endpoint_url": None}  # fmt: skip

    def dm_channel(self, user_id: int) -> int:
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = self.fake.new_id()
        return self.dm_channels[user_id]

    def attachment(
        self, filename: str, data: bytes, content_type: str, duration: float | None = None
    ) -> dict[str, Any]:
        name = f"{self.fake.new_id()}-{filename}"
        self.fake.attachments[name] = data
        url = f"http://127.0.0.1:{self.fake.port}/attachments/{name}"
        found: dict[str, Any] = {"id": str(self.fake.new_id()), "filename": filename,
                                 "size": len(data), "url": url, "proxy_url": url,
                                 "content_type": content_type}  # fmt: skip
        if duration is not None:
            found |= {"duration_secs": duration, "waveform": "AAAA"}
        return found

    # --- dispatches tests inject ------------------------------------------------------

    def _interaction(
        self, kind: int, user_id: int, name: str, locale: str, guild: bool, data: dict[str, Any],
        size_limit: int = UPLOAD_LIMIT, ago: float = 0.0,
    ) -> dict[str, Any]:  # fmt: skip
        from tests.support.fake_discord import APP_ID, CHANNEL_ID, GUILD_ID

        user = self.user(user_id, name)
        payload: dict[str, Any] = {
            "id": str(self.fake.new_id(ago)), "application_id": str(APP_ID), "type": kind,
            "data": data, "token": "itk-" + secrets.token_urlsafe(24), "version": 1,
            "locale": locale, "app_permissions": "2248473465835073",
            "attachment_size_limit": size_limit, "entitlements": [],
        }  # fmt: skip
        if guild:
            payload |= {"guild_id": str(GUILD_ID), "member": self.member(user),
                        "guild_locale": "en-US", "context": 0,
                        "authorizing_integration_owners": {"0": str(GUILD_ID)},
                        "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID),
                                    "name": "general", "position": 0,
                                    "permission_overwrites": [], "nsfw": False}}  # fmt: skip
        else:
            channel = self.dm_channel(user_id)
            payload |= {"user": user, "context": 1,
                        "authorizing_integration_owners": {"0": str(user_id)},
                        "channel": {"id": str(channel), "type": 1, "recipients": [user],
                                    "last_message_id": None}}  # fmt: skip
        payload["channel_id"] = payload["channel"]["id"]
        self.dispatched_at[payload["id"]] = time.monotonic()
        self.fake._interactions[payload["token"]] = payload
        return payload

    def slash(
        self,
        user_id: int,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        name: str = "Ann",
        locale: str = "en-US",
        guild: bool = True,
        size_limit: int = UPLOAD_LIMIT,
        ago: float = 0.0,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE for ``/command`` with ``options`` (strings, integers);
        ``ago`` dates its id back, as if the work had been running that long."""
        registered = next(
            (c for cmds in self.fake.commands.values() for c in cmds if c["name"] == command),
            None,
        )
        data = {
            "id": registered["id"] if registered else str(self.fake.new_id()),
            "name": command,
            "type": 1,
            "options": [
                {"name": key, "type": 4 if isinstance(value, int) else 3, "value": value}
                for key, value in (options or {}).items()
            ],
        }
        return self._interaction(2, user_id, name, locale, guild, data, size_limit, ago)

    def press(
        self, user_id: int, custom_id: str, message_id: int, *, name: str = "Ann",
        locale: str = "en-US",
    ) -> dict[str, Any]:  # fmt: skip
        """INTERACTION_CREATE for a button press on the bot's message ``message_id``."""
        message = self.fake.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, user_id, name, locale, "guild_id" in message, data)
        payload["message"] = message
        if "guild_id" not in message:
            payload["channel"]["id"] = payload["channel_id"] = message["channel_id"]
        return payload

    def message_create(
        self,
        user_id: int,
        content: str,
        *,
        name: str = "Ann",
        guild: bool = False,
        mention: bool = False,
        reply_to: int | None = None,
        attachments: list[dict[str, Any]] | None = None,
        voice: bool = False,
    ) -> dict[str, Any]:
        """MESSAGE_CREATE from a user: a DM, or (``guild``) a message in the guild channel."""
        from tests.support.fake_discord import CHANNEL_ID, GUILD_ID

        user = self.user(user_id, name)
        bot = self.bot_user()
        if mention:
            content = f"<@{bot['id']}> {content}"
        message: dict[str, Any] = {
            "id": str(self.fake.new_id()), "author": user, "content": content,
            "timestamp": _now(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [bot] if mention else [], "mention_roles": [],
            "attachments": attachments or [], "embeds": [], "pinned": False, "type": 0,
            "flags": VOICE_MESSAGE if voice else 0, "components": [],
        }  # fmt: skip
        if guild:
            message |= {
                "channel_id": str(CHANNEL_ID),
                "guild_id": str(GUILD_ID),
                "member": {k: v for k, v in self.member(user).items() if k != "user"},
            }
        else:
            message["channel_id"] = str(self.dm_channel(user_id))
        if reply_to is not None:
            replied = self.fake.messages[reply_to]
            message |= {"type": 19, "referenced_message": replied,
                        "message_reference": {"message_id": replied["id"],
                                              "channel_id": replied["channel_id"]}}  # fmt: skip
        return message

    # --- route answers ----------------------------------------------------------------

    def answer(
        self, route: str, params: dict[str, str], body: Any, files: dict[str, bytes], call: Call
    ) -> tuple[int, Any]:
        from tests.support.fake_discord import refuse
        from tests.support.fake_discord_routes import ANSWERS

        handler = ANSWERS.get(route)
        if handler is None:
            raise refuse(405, 0, f"405: {route} is not served by the fake")
        return handler(self, params, body or {}, files, call)

    def check_commands(self, commands: list[dict[str, Any]]) -> None:
        from tests.support.fake_discord import refuse

        if len(commands) > 100:
            raise refuse(400, 50035, "at most 100 commands")
        for command in commands:
            if not _NAME.match(command["name"]) or command["name"] != command["name"].lower():
                raise refuse(400, 50035, f"Invalid command name {command['name']!r}")
            if not 1 <= len(command.get("description", "")) <= 100:
                raise refuse(400, 50035, f"{command['name']}: description must be 1-100 chars")
            for loc in ("name_localizations", "description_localizations"):
                for locale, value in (command.get(loc) or {}).items():
                    limit = 32 if loc == "name_localizations" else 100
                    if locale not in _LOCALES or not 1 <= len(value) <= limit:
                        raise refuse(400, 50035, f"{command['name']}: bad {loc} {locale!r}")
            options = command.get("options", [])
            if len(options) > 25:
                raise refuse(400, 50035, f"{command['name']}: over 25 options")
            required_seen_optional = False
            for option in options:
                if not _NAME.match(option["name"]) or not 1 <= len(option["description"]) <= 100:
                    raise refuse(400, 50035, f"{command['name']}: bad option {option['name']!r}")
                if option.get("required") and required_seen_optional:
                    raise refuse(400, 50035, "required options must come before optional ones")
                required_seen_optional |= not option.get("required", False)

    def check_message(self, body: dict[str, Any], files: dict[str, bytes]) -> None:
        from tests.support.fake_discord import MAX_CONTENT, MAX_EMBEDS, refuse

        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        if len(content) > MAX_CONTENT:
            raise refuse(400, 50035, "content: Must be 2000 or fewer in length.")
        if len(embeds) > MAX_EMBEDS:
            raise refuse(400, 50035, "embeds: Must be 10 or fewer in length.")
        total = 0
        for embed in embeds:
            for key, limit in _EMBED_LIMITS.items():
                if len(embed.get(key) or "") > limit:
                    raise refuse(400, 50035, f"embeds.{key}: Must be {limit} or fewer in length.")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                raise refuse(400, 50035, "embeds.fields: Must be 25 or fewer in length.")
            total += len(embed.get("title") or "") + len(embed.get("description") or "")
            total += sum(len(f["name"]) + len(f["value"]) for f in fields)
            total += len((embed.get("footer") or {}).get("text") or "")
        if total > 6000:
            raise refuse(400, 50035, "embeds: total size over 6000")
        rows = body.get("components") or []
        if len(rows) > 5 or any(len(row["components"]) > 5 for row in rows):
            raise refuse(400, 50035, "components: at most 5 rows of 5")
        for row in rows:
            for button in row["components"]:
                if "custom_id" in button and not 1 <= len(button["custom_id"]) <= 100:
                    raise refuse(400, 50035, "custom_id: 1-100 characters")
                if not 1 <= len(button.get("label") or "") <= 80:
                    raise refuse(400, 50035, "label: 1-80 characters")
        if sum(len(d) for d in files.values()) > UPLOAD_LIMIT:
            raise refuse(413, 40005, "Request entity too large")
        if not (content or embeds or files or rows or "attachments" in body):
            raise refuse(400, 50006, "Cannot send an empty message")
