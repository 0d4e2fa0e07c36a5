"""/rutracker: a user's own RuTracker login, checked against the tracker before it is kept.

A wizard over ``ctx.ask``: username, then password. The password message is
deleted where the chat allows it, and the user is told when it could not be.
Nothing is stored unless the tracker accepted the login.
"""

from __future__ import annotations

from typing import Any

import structlog

from concierge.adapters.errors import AuthFailed, CaptchaRequired, ExternalServiceError
from concierge.core.messages import Text, rows
from concierge.core.skill import Context
from concierge.skills.movies.ports import TrackerAccounts

log = structlog.get_logger(__name__)

ASK_USERNAME = "movies.rutracker.username"
ASK_PASSWORD = "movies.rutracker.password"  # noqa: S105 - an action name, not a password
CHANGE = "movies.rutracker.change"
FORGET = "movies.rutracker.forget"
USERNAME_LIMIT = 100


class TrackerAccountFlows:
    """``accounts`` is None when the operator has not enabled RuTracker search."""

    def __init__(self, accounts: TrackerAccounts | None) -> None:
        self._accounts = accounts

    async def command(self, ctx: Context) -> None:
        if self._accounts is None:
            await ctx.reply(ctx.t("movies.rutracker.disabled"))
            return
        username = await self._accounts.username(ctx.user.id)
        if username is None:
            await ctx.reply(ctx.t("movies.rutracker.intro"))
            await self._ask_username(ctx)
            return
        change = await ctx.button(ctx.t("movies.rutracker.change"), CHANGE)
        forget = await ctx.button(ctx.t("movies.rutracker.forget"), FORGET)
        await ctx.reply(
            Text(
                ctx.t("movies.rutracker.current", username=username),
                buttons=rows(change, forget, per_row=2),
            )
        )

    async def _ask_username(self, ctx: Context) -> None:
        await ctx.ask(ASK_USERNAME)
        await ctx.reply(ctx.t("movies.rutracker.ask_username"))

    async def on_change(self, ctx: Context, payload: dict[str, Any]) -> None:
        if self._accounts is None:
            await ctx.reply(ctx.t("movies.rutracker.disabled"))
            return
        await self._ask_username(ctx)

    async def answer_username(self, ctx: Context, payload: dict[str, Any]) -> None:
        username = str(payload.get("text", "")).strip()[:USERNAME_LIMIT]
        await ctx.ask(ASK_PASSWORD, {"username": username})
        await ctx.reply(ctx.t("movies.rutracker.ask_password"))

    async def answer_password(self, ctx: Context, payload: dict[str, Any]) -> None:
        password = str(payload.get("text", ""))
        username = str(payload.get("username", ""))
        message_id = payload.get("message_id")
        deleted = isinstance(message_id, int) and await ctx.outbox.delete(message_id)
        if not deleted:
            await ctx.reply(ctx.t("movies.rutracker.not_deleted"))
        if self._accounts is None:
            await ctx.reply(ctx.t("movies.rutracker.disabled"))
            return
        await ctx.reply(ctx.t("movies.rutracker.checking"))
        try:
            await self._accounts.sign_in(ctx.user.id, username, password)
        except AuthFailed:
            log.info("rutracker_login_rejected", user=ctx.user.key)
            await ctx.reply(ctx.t("movies.rutracker.rejected"))
            return
        except CaptchaRequired:
            log.info("rutracker_login_captcha", user=ctx.user.key)
            await ctx.reply(ctx.t("movies.rutracker.captcha"))
            return
        except ExternalServiceError as exc:  # logged once by the HTTP client
            await ctx.reply(
                ctx.t("movies.rutracker.unreachable", reason=ctx.t(f"movies.reason.{exc.kind}"))
            )
            return
        log.info("rutracker_login_saved", user=ctx.user.key)
        await ctx.reply(ctx.t("movies.rutracker.saved", username=username))

    async def on_forget(self, ctx: Context, payload: dict[str, Any]) -> None:
        if self._accounts is None:
            await ctx.reply(ctx.t("movies.rutracker.disabled"))
            return
        await self._accounts.sign_out(ctx.user.id)
        await ctx.reply(ctx.t("movies.rutracker.forgotten"))
