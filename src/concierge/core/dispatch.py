"""The way of one message: lane → dedupe → access → command / button / answer / agent.

Every command, button press and agent tool call passes the access check here,
so no handler can forget it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog
from prometheus_client import Histogram

from concierge.core.access import Role
from concierge.core.approvals import Approvals
from concierge.core.buttons import ButtonStore
from concierge.core.flows import FlowStore
from concierge.core.i18n import Catalog, resolve_language, written_language
from concierge.core.inbound import process_attachments
from concierge.core.messages import ChatRef, Inbound, Outbox, Text, UserRef
from concierge.core.metrics import Metrics
from concierge.core.notify import DeliveryFailed, Notifier
from concierge.core.registry import Registry
from concierge.core.skill import Context
from concierge.storage.repos import Arrival, DuplicateUpdate, UpdateLog, UserRecord, UserRepo

log = structlog.get_logger(__name__)

MAX_TEXT_CHARS = 16_000  # past this a message is refused before any work (Telegram caps at 4096)
REFUSAL_EVERY = timedelta(hours=1)  # a waiting stranger is told "please wait" this often
MAX_QUEUED_PER_USER = 20  # a user's updates waiting or running; more are turned away
LOCATION_ACTION = "core.timezone.answer"  # a shared location sets the user's time zone
CANCEL_ACTION = "core.cancel"  # a Cancel button on a progress message: stops the running update


class AgentRunner(Protocol):
    async def run(self, ctx: Context, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    owners: frozenset[tuple[str, int]]
    mode: str  # "approval" | "open"
    default_language: str

    def initial_role(self, platform: str, platform_id: int) -> Role:
        if (platform, platform_id) in self.owners or platform == "console":
            return Role.OWNER
        return Role.USER if self.mode == "open" else Role.PENDING


class Lanes:
    """One FIFO lock per user: a user's updates run in order, users in parallel."""

    def __init__(self, wait: Histogram | None = None) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._wait = wait

    @asynccontextmanager
    async def lane(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        queued_at = time.perf_counter()
        try:
            async with lock:
                if self._wait is not None:
                    self._wait.observe(time.perf_counter() - queued_at)
                yield
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    def queued(self, key: str) -> int:
        return self._waiting.get(key, 0)

    def __len__(self) -> int:
        return len(self._locks)


class Dispatcher:
    def __init__(
        self,
        *,
        registry: Registry,
        users: UserRepo,
        updates: UpdateLog,
        buttons: ButtonStore,
        flows: FlowStore,
        catalog: Catalog,
        notifier: Notifier,
        policy: AccessPolicy,
        metrics: Metrics,
        agent: AgentRunner | None = None,
        approvals: Approvals | None = None,
    ) -> None:
        self.registry = registry
        self.users = users
        self.updates = updates
        self.buttons = buttons
        self.flows = flows
        self.catalog = catalog
        self.notifier = notifier
        self.policy = policy
        self.metrics = metrics
        self.agent = agent
        self.approvals = approvals or Approvals(
            users=users,
            notifier=notifier,
            buttons=buttons,
            catalog=catalog,
            default_language=policy.default_language,
        )
        self.lanes = Lanes(metrics.lane_wait)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._cancelled_by_user: set[str] = set()
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def drain(self, limit_seconds: float) -> bool:
        """Wait until no update is being handled; False if ``limit_seconds`` ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), limit_seconds)
        except TimeoutError:
            return False
        return True

    async def handle(self, inbound: Inbound, outbox: Outbox) -> None:
        """Handle one update; never raises (failures are logged and explained)."""
        if inbound.command == "cancel" or await self._is_cancel_press(inbound):
            self._cancel_running(inbound.user.key)  # it waits in the lane behind that update
        elif self.lanes.queued(inbound.user.key) >= MAX_QUEUED_PER_USER:
            await self._turn_away(inbound, outbox)
            return
        self._inflight += 1
        self._idle.clear()
        try:
            await self._handle_in_lane(inbound, outbox)
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    async def dispatch_as_typed(
        self, user_id: int, chat: ChatRef, text: str, *, key: str, message_id: int | None = None
    ) -> None:
        """Handle ``text`` as if ``user_id`` had typed it in ``chat`` (a job's result, such as
        a transcribed voice note): same lane, access check and routing as an update. ``key``
        is recorded like an update id, so a second call with it does nothing. Raises
        ``DeliveryFailed`` when the chat's front-end is not running here (retry later)."""
        user = await self.users.get(user_id)
        if user is None:
            raise LookupError(f"user {user_id} no longer exists")
        channel = self.notifier.channel(chat.platform)
        if channel is None:
            raise DeliveryFailed(f"no front-end for platform {chat.platform} is running")
        ref = UserRef(user.platform, user.platform_id, user.display_name, user.platform_language)
        inbound = Inbound(user=ref, chat=chat, text=text, update_id=key, message_id=message_id)
        async with channel.open_chat(chat) as outbox:
            await self.handle(inbound, outbox)

    async def _handle_in_lane(self, inbound: Inbound, outbox: Outbox) -> None:
        async with self.lanes.lane(inbound.user.key):
            ref = inbound.user
            role = self.policy.initial_role(ref.platform, ref.id)
            try:  # the update's delivery and its user in one transaction
                arrival = await self.users.arrive(ref, role, update_id=inbound.update_id)
            except DuplicateUpdate:
                log.info("duplicate_update_skipped", update_id=inbound.update_id)
                return
            kind = self._kind(inbound)
            started = time.perf_counter()
            task = asyncio.current_task()
            if task is not None:
                self._running[inbound.user.key] = task
            try:
                await self._handle(inbound, outbox, kind, arrival)
            except asyncio.CancelledError:
                if not self._was_cancelled_by_user(inbound.user.key):
                    raise
                uncancel = getattr(task, "uncancel", None)
                if uncancel is not None:
                    uncancel()
            finally:
                self._running.pop(inbound.user.key, None)
                self.metrics.updates.labels(inbound.user.platform, kind).inc()
                self.metrics.latency.labels(kind).observe(time.perf_counter() - started)

    async def _turn_away(self, inbound: Inbound, outbox: Outbox) -> None:
        """Too many of this user's updates are queued: say so instead of piling up.

        A blocked user is told nothing, here as everywhere.
        """
        log.warning("user_queue_full", user=inbound.user.key, queued=MAX_QUEUED_PER_USER)
        known = await self.users.find(inbound.user.platform, inbound.user.id)
        if known is not None and known.role is Role.BLOCKED:
            return
        lang = resolve_language(None, inbound.user.language_code, self.policy.default_language)
        try:
            await outbox.send(Text(self.catalog.t("dispatch.busy", lang)))
        except Exception:
            log.exception("busy_reply_failed", user=inbound.user.key)

    async def _is_cancel_press(self, inbound: Inbound) -> bool:
        """A Cancel button, looked up before the lane (it stops only the presser's own work)."""
        if inbound.button_id is None:
            return False
        stored = await self.buttons.get(inbound.button_id)
        return stored is not None and stored.action == CANCEL_ACTION

    def _cancel_running(self, user_key: str) -> None:
        task = self._running.get(user_key)
        if task is not None and not task.done():
            self._cancelled_by_user.add(user_key)
            task.cancel()

    def _was_cancelled_by_user(self, user_key: str) -> bool:
        if user_key in self._cancelled_by_user:
            self._cancelled_by_user.discard(user_key)
            return True
        return False

    @staticmethod
    def _kind(inbound: Inbound) -> str:
        if inbound.button_id is not None:
            return "button"
        if inbound.command is not None:
            return "command"
        return "attachment" if inbound.attachments and not inbound.text else "text"

    def _context(self, inbound: Inbound, outbox: Outbox, user: UserRecord) -> Context:
        lang = resolve_language(user.language, user.platform_language, self.policy.default_language)
        return Context(
            inbound=inbound,
            user=user,
            lang=lang,
            outbox=outbox,
            catalog=self.catalog,
            button_store=self.buttons,
            flows=self.flows,
        )

    async def _handle(self, inbound: Inbound, outbox: Outbox, kind: str, arrival: Arrival) -> None:
        user = arrival.user
        ctx = self._context(inbound, outbox, user)
        if user.role is Role.BLOCKED:
            log.info("blocked_user_ignored", user=user.key)
            return
        if user.role is Role.PENDING:
            await self._refuse_stranger(ctx)
            return
        try:
            if kind == "attachment" or (kind == "text" and inbound.attachments):
                if not await process_attachments(ctx, self.registry.processors):
                    return
                kind = self._kind(ctx.inbound)
            if kind == "button":
                await self._press(ctx, inbound.button_id or "")
            elif kind == "command":
                await self._command(ctx)
            else:
                await self._message(ctx, flows_open=arrival.flows_open)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handler_failed", user=user.key, kind=kind)
            await self._safe_reply(ctx, ctx.t("errors.generic"))

    async def _safe_reply(self, ctx: Context, text: str) -> None:
        try:
            await ctx.reply(text)
        except Exception:
            log.exception("error_reply_failed", user=ctx.user.key)

    async def _refuse_stranger(self, ctx: Context) -> None:
        """One polite refusal an hour at most; the owners are asked once."""
        if await self.users.claim_refusal(ctx.user.id, REFUSAL_EVERY):
            await ctx.reply(ctx.t("access.pending"))
        if await self.users.claim_approval_prompt(ctx.user.id):
            await self.approvals.prompt_owners(ctx.user)

    async def _press(self, ctx: Context, button_id: str) -> None:
        stored = await self.buttons.get(button_id)
        if stored is None:
            await ctx.reply(ctx.t("buttons.expired"))
            return
        if stored.owner_user_id != ctx.user.id:
            log.info("foreign_button_refused", user=ctx.user.key, action=stored.action)
            await ctx.reply(ctx.t("buttons.not_yours"))
            return
        handler = self.registry.buttons.get(stored.action)
        if handler is None:
            log.error("button_action_unknown", action=stored.action)
            await ctx.reply(ctx.t("buttons.expired"))
            return
        await handler(ctx, stored.payload)

    async def _answer_flow(self, ctx: Context, text: str) -> bool:
        """The current open flow takes ``text``; when it ends, say which one is still open."""
        question = await self.flows.take(ctx.user.id)
        if question is None:
            return False
        handler = self.registry.buttons.get(question.action)
        if handler is None:
            log.error("flow_action_unknown", action=question.action, flow=question.flow)
            return False
        payload = {**question.payload, "text": text, "message_id": ctx.inbound.message_id}
        await handler(ctx, payload)
        waiting = await self.flows.current(ctx.user.id)
        if waiting is not None and waiting.flow != question.flow:
            await ctx.reply(ctx.t("flows.resumed", flow=ctx.flow_title(waiting.flow)))
        return True

    async def _command(self, ctx: Context) -> None:
        name = ctx.inbound.command or ""
        command = self.registry.commands.get(name)
        if command is None:
            await ctx.reply(ctx.t("commands.unknown", command=name))
            return
        if not ctx.user.role.allows(command.min_role):
            await ctx.reply(ctx.t("access.forbidden"))
            return
        await command.handler(ctx)

    async def _message(self, ctx: Context, *, flows_open: bool) -> None:
        text = ctx.inbound.text.strip()
        location = ctx.inbound.location
        if location is not None and not text and LOCATION_ACTION in self.registry.buttons:
            await self.registry.buttons[LOCATION_ACTION](ctx, {"location": list(location)})
            return
        if not text:
            await ctx.reply(ctx.t("attachments.unsupported"))
            return
        if len(text) > MAX_TEXT_CHARS:
            await ctx.reply(ctx.t("errors.too_long", limit=MAX_TEXT_CHARS))
            return
        if flows_open and await self._answer_flow(ctx, text):
            return
        for route in self.registry.message_routes:
            if route.matches(text):
                await route.handler(ctx)
                return
        if ctx.user.language is None:  # not fixed by /language: answer as the user writes
            ctx.lang = written_language(text, ctx.lang)
        if self.agent is None:
            await ctx.reply(ctx.t("agent.unavailable"))
            return
        await self.agent.run(ctx, text)
