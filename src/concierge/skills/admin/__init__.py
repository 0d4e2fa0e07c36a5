"""Admin: /stats and /broadcast for owners and admins, and the same over HTTP for operators.

``bootstrap.py`` passes the other skills' figure sources and ``ADMIN_API_KEY``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from concierge.core.access import Role
from concierge.core.deps import CoreServices
from concierge.core.skill import Command, Skill
from concierge.skills.admin.api import AdminAPI
from concierge.skills.admin.commands import AdminCommands
from concierge.skills.admin.ports import StatsSource
from concierge.skills.admin.service import AdminService

__all__ = ["AdminDeps", "build"]


@dataclass(frozen=True, slots=True)
class AdminDeps:
    core: CoreServices
    api_key: str | None = None  # ADMIN_API_KEY; None: the HTTP API is off
    sources: list[StatsSource] = field(default_factory=list)


def build(deps: AdminDeps) -> Skill:
    service = AdminService(deps.core, deps.sources)
    commands = AdminCommands(service)
    return Skill(
        name="admin",
        commands=[
            Command("stats", "admin.help.stats", commands.stats, min_role=Role.ADMIN),
            Command("broadcast", "admin.help.broadcast", commands.broadcast, min_role=Role.ADMIN),
        ],
        buttons={
            "admin.broadcast.confirm": commands.confirm,
            "admin.broadcast.cancel": commands.cancel,
        },
        job_kinds=[service.job_kind()],
        routes=AdminAPI(service, deps.api_key).routes(),
        home=Path(__file__).parent,
    )
