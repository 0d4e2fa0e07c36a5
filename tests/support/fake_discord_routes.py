"""What each REST route of the fake Discord does (see fake_discord.py for the server)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.support.fake_discord import APP_ID, CHANNEL_ID, GUILD_ID, refuse
from tests.support.fake_discord_payloads import EPHEMERAL, LOADING, Payloads

if TYPE_CHECKING:
    from tests.support.fake_discord import Call

Answer = Callable[[Payloads, dict[str, str], Any, dict[str, bytes], "Call"], tuple[int, Any]]
ACK_WINDOW = 3.0


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _post(
    p: Payloads,
    channel_id: int,
    body: dict[str, Any],
    files: dict[str, bytes],
    *,
    via: str,
    token: str | None = None,
    flags: int = 0,
) -> dict[str, Any]:
    """Store a message the bot posted and return it as Discord does."""
    message_id = p.fake.new_id()
    message: dict[str, Any] = {
        "id": str(message_id), "channel_id": str(channel_id), "author": p.bot_user(),
        "content": body.get("content") or "", "timestamp": _now(), "edited_timestamp": None,
        "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
        "attachments": [
            {"id": str(p.fake.new_id()), "filename": name, "size": len(data),
             "url": f"http://127.0.0.1:{p.fake.port}/attachments/{name}",
             "proxy_url": f"http://127.0.0.1:{p.fake.port}/attachments/{name}"}
            for name, data in files.items()
        ],
        "embeds": body.get("embeds") or [], "components": body.get("components") or [],
        "pinned": False, "type": 0 if via == "channel" else 20,
        "flags": flags | int(body.get("flags") or 0),
        "application_id": str(APP_ID), "via": via, "token": token,
    }  # fmt: skip
    if channel_id == CHANNEL_ID:
        message["guild_id"] = str(GUILD_ID)
    p.fake.messages[message_id] = message
    return _public(message)


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("via", "token", "deleted")}


def _edit(p: Payloads, message_id: int, body: dict[str, Any], files: dict[str, bytes]) -> Any:
    message = p.fake.messages.get(message_id)
    if message is None or message.get("deleted"):
        raise refuse(404, 10008, "Unknown Message")
    p.check_message({"content": "x", **body}, files)
    for key in ("content", "embeds", "components"):
        if key in body:
            message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    message["flags"] = int(message.get("flags") or 0) & ~LOADING
    message["edited_timestamp"] = _now()
    message.setdefault("edits", 0)
    message["edits"] += 1
    return _public(message)


def _channel_of(p: Payloads, channel_id: int) -> None:
    closed = {p.dm_channels.get(uid) for uid in p.fake.dm_closed}
    if channel_id in closed:
        raise refuse(403, 50007, "Cannot send messages to this user")


def me(p: Payloads, params: dict[str, str], body: Any, files: dict[str, bytes], c: Call) -> Any:
    return 200, p.bot_user()


def app(p: Payloads, params: dict[str, str], body: Any, files: dict[str, bytes], c: Call) -> Any:
    return 200, p.application()


def commands(p: Payloads, params: dict[str, str], body: Any, f: dict[str, bytes], c: Call) -> Any:
    p.check_commands(body)
    scope = params.get("guild_id", "global")
    stored = [{**cmd, "id": str(p.fake.new_id()), "application_id": str(APP_ID), "version": "1"}
              for cmd in body]  # fmt: skip
    p.fake.commands[scope] = stored
    return 200, stored


def callback(p: Payloads, params: dict[str, str], body: Any, f: dict[str, bytes], c: Call) -> Any:
    interaction = p.fake._interactions.get(params["token"])
    if interaction is None or interaction["id"] != params["interaction_id"]:
        raise refuse(404, 10062, "Unknown interaction")
    if interaction["id"] in p.acked_at:
        raise refuse(400, 40060, "Interaction has already been acknowledged.")
    now = time.monotonic()
    if now - p.dispatched_at[interaction["id"]] > ACK_WINDOW:
        p.late_acks.append(interaction["id"])
        raise refuse(404, 10062, "Unknown interaction")
    kind = int(body["type"])
    data = body.get("data") or {}
    channel_id = int(interaction["channel_id"])
    message: dict[str, Any] | None = None
    if kind in (4, 5):
        if kind == 4:
            p.check_message(data, f)
        flags = LOADING if kind == 5 else 0
        message = _post(p, channel_id, data if kind == 4 else {}, f, via="response",
                        token=params["token"], flags=flags | int(data.get("flags") or 0))  # fmt: skip
        p.fake._originals[params["token"]] = int(message["id"])
    elif kind == 7:
        message = _edit(p, int(interaction["message"]["id"]), data, f)
    elif kind != 6:
        raise refuse(400, 50035, f"interaction response type {kind} not served by the fake")
    p.acked_at[interaction["id"]] = now
    result: dict[str, Any] = {
        "interaction": {
            "id": interaction["id"], "type": interaction["type"],
            "response_message_id": message["id"] if message else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and int(message["flags"]) & EPHEMERAL),
        },
        "resource": {"type": kind, **({"message": message} if message else {})},
    }  # fmt: skip
    if c.params.get("with_response") not in ("1", "true", "True"):
        return 204, None
    return 200, result


def _original(p: Payloads, params: dict[str, str]) -> int:
    if params["token"] not in p.fake._interactions:
        raise refuse(404, 10015, "Unknown Webhook")
    if params["message_id"] != "@original":
        return int(params["message_id"])
    message_id = p.fake._originals.get(params["token"])
    if message_id is None:
        raise refuse(404, 10008, "Unknown Message")
    return message_id


def webhook_get(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    message_id = _original(p, params)
    return 200, _public(p.fake.messages[message_id])


def webhook_edit(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    return 200, _edit(p, _original(p, params), b, f)


def webhook_del(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    message = p.fake.messages.get(_original(p, params))
    if message is None or message.get("deleted"):
        raise refuse(404, 10008, "Unknown Message")
    message["deleted"] = True
    return 204, None


def followup(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    interaction = p.fake._interactions.get(params["token"])
    if interaction is None:
        raise refuse(404, 10015, "Unknown Webhook")
    if interaction["id"] not in p.acked_at:
        raise refuse(400, 40060, "Follow-up before the interaction was acknowledged")
    p.check_message(b, f)
    message = _post(p, int(interaction["channel_id"]), b, f, via="followup", token=params["token"])
    return 200, message


def dm(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    user_id = int(b["recipient_id"])
    channel = p.dm_channel(user_id)
    return 200, {"id": str(channel), "type": 1, "last_message_id": None,
                 "recipients": [p.user(user_id)]}  # fmt: skip


def send(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    channel_id = int(params["channel_id"])
    _channel_of(p, channel_id)
    p.check_message(b, f)
    return 200, _post(p, channel_id, b, f, via="channel")


def edit(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    message = p.fake.messages.get(int(params["message_id"]))
    if message is not None and message["channel_id"] != params["channel_id"]:
        raise refuse(404, 10008, "Unknown Message")
    return 200, _edit(p, int(params["message_id"]), b, f)


def delete(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    message = p.fake.messages.get(int(params["message_id"]))
    if message is None or message.get("deleted") or message["channel_id"] != params["channel_id"]:
        raise refuse(404, 10008, "Unknown Message")
    message["deleted"] = True
    return 204, None


def typing(p: Payloads, params: dict[str, str], b: Any, f: dict[str, bytes], c: Call) -> Any:
    _channel_of(p, int(params["channel_id"]))
    return 204, None


ANSWERS: dict[str, Answer] = {
    "GET /users/@me": me,
    "GET /oauth2/applications/@me": app,
    "PUT /applications/{app_id}/commands": commands,
    "PUT /applications/{app_id}/guilds/{guild_id}/commands": commands,
    "POST /interactions/{interaction_id}/{token}/callback": callback,
    "GET /webhooks/{app_id}/{token}/messages/{message_id}": webhook_get,
    "PATCH /webhooks/{app_id}/{token}/messages/{message_id}": webhook_edit,
    "DELETE /webhooks/{app_id}/{token}/messages/{message_id}": webhook_del,
    "POST /webhooks/{app_id}/{token}": followup,
    "POST /users/@me/channels": dm,
    "POST /channels/{channel_id}/messages": send,
    "PATCH /channels/{channel_id}/messages/{message_id}": edit,
    "DELETE /channels/{channel_id}/messages/{message_id}": delete,
    "POST /channels/{channel_id}/typing": typing,
}
