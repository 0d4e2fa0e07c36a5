"""/stats, /broadcast and the admin HTTP API: keys, confirmation, delivered/failed counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from concierge.bootstrap import App
from concierge.core.access import Role
from concierge.core.messages import Text, UserRef, unescape_literal
from tests.fakes.clock import FakeClock
from tests.skills.retro.conftest import START, RecordingSender, retro_app
from tests.support.app import Person

KEY = "admin-k3y-for-operators"
UNREACHABLE = frozenset({1005, 1010, 1020, 1030, 1040})


@asynccontextmanager
async def admin_world(
    tmp_path: Path, **overrides: object
) -> AsyncIterator[tuple[App, httpx.AsyncClient, RecordingSender]]:
    clock = FakeClock(START)
    sender = RecordingSender(clock, unreachable=UNREACHABLE)
    async with retro_app(tmp_path, clock, **overrides) as app:
        app.notifier.register("telegram", sender)
        http = Starlette(routes=app.registry.routes)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=http), base_url="http://admin.test"
        ) as client:
            yield app, client, sender


async def fifty_users(app: App) -> None:
    """The owner (telegram:1) and 49 more; five of them have blocked the bot."""
    for n in range(1001, 1050):
        await app.users.upsert(UserRef("telegram", n, f"user{n}"), Role.USER)
    await app.users.upsert(UserRef("telegram", 9999, "stranger"), Role.PENDING)  # not a recipient


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": KEY[:-1]}, {"Authorization": KEY}],
)
async def test_a_missing_or_wrong_key_is_401(tmp_path: Path, headers: dict[str, str]) -> None:
    async with admin_world(tmp_path, admin_api_key=KEY) as (_app, client, sender):
        for method, path in [("GET", "/admin/stats"), ("POST", "/admin/broadcast"),
                             ("GET", "/admin/broadcast/1")]:  # fmt: skip
            response = await client.request(method, path, headers=headers, json={"text": "hi"})
            assert response.status_code == 401, path
            assert KEY not in response.text
        assert sender.sent == []


async def test_without_a_key_the_api_is_off(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as (_app, client, _sender):
        response = await client.get("/admin/stats", headers={"Authorization": f"Bearer {KEY}"})
        assert response.status_code == 404


async def test_api_broadcast_to_fifty_users_with_five_unreachable_reports_45_and_5(
    tmp_path: Path,
) -> None:
    async with admin_world(tmp_path, admin_api_key=KEY) as (app, client, sender):
        await fifty_users(app)
        auth = {"Authorization": f"Bearer {KEY}"}
        bad = await client.post("/admin/broadcast", headers=auth, json={"text": " "})
        assert bad.status_code == 400
        started = await client.post(
            "/admin/broadcast",
            headers={"X-API-Key": KEY},
            json={"text": "Maintenance at 22:00 *UTC*"},
        )
        assert started.status_code == 202
        assert started.json()["recipients"] == 50
        await app.jobs.run_until_idle()
        progress = await client.get(f"/admin/broadcast/{started.json()['id']}", headers=auth)
        assert progress.json() == {
            "id": started.json()["id"], "recipients": 50, "delivered": 45, "failed": 5,
            "pending": 0,
        }  # fmt: skip
        assert len({d.platform_id for d in sender.sent}) == 45
        shown = {unescape_literal(d.reply.text) for d in sender.sent if isinstance(d.reply, Text)}
        assert shown == {"Maintenance at 22:00 *UTC*"}  # outside text, shown as written
        assert "\\*UTC\\*" in sender.sent[0].reply.text  # type: ignore[union-attr]
        await app.jobs.run_until_idle()  # a second pass sends nobody twice
        assert len(sender.sent) == 45
        stats = (await client.get("/admin/stats", headers=auth)).json()
        assert stats["users"] == 51 and stats["users_by_role"]["pending"] == 1
        assert stats["retros"] == 0


async def test_chat_broadcast_asks_first_sends_once_and_reports(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as (app, _client, sender):
        await fifty_users(app)
        owner = Person(app, 1)
        await owner.say("/broadcast New: the daily /retro")
        assert owner.outbox.texts()[-1] == "Send this to 50 users?\n\nNew: the daily /retro"
        assert sender.sent == []  # nothing before the confirmation
        confirm = owner.outbox.button("Send to 50")
        await owner.press(confirm.id)
        assert owner.outbox.texts()[-1].startswith("Sending to 50 users")
        await owner.press(confirm.id)
        assert owner.outbox.texts()[-1] == "This broadcast was already sent."
        await app.jobs.run_until_idle()
        reports = [d for d in sender.to(1) if "Broadcast done" in getattr(d.reply, "text", "")]
        assert len(reports) == 1
        assert reports[0].reply.text == (  # type: ignore[union-attr]
            "Broadcast done: 45 delivered, 5 failed (blocked the bot or unreachable)."
        )
        user = Person(app, 1001)
        await user.say("/stats")
        assert user.outbox.texts()[-1] == "Sorry, you don't have permission to do that."
        await owner.say("/retro")
        await owner.say("4")
        await owner.press(owner.outbox.button("Finish").id)
        await owner.say("/stats")
        shown = owner.outbox.texts()[-1]
        assert "Users: 51 (owner 1, pending 1, user 49)" in shown
        assert "Active in the last 24 h: 1" in shown and "Retros kept: 1" in shown
        assert "Transcriptions: none recorded" in shown
