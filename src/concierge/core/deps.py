"""What every skill may use from the core, built once by ``bootstrap.py``.

A skill's ``build(deps)`` takes its own typed deps object holding one of these
plus the adapters bootstrap built for it; no skill reads ``Settings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from concierge.core.metrics import Metrics
from concierge.core.relay import Relay

if TYPE_CHECKING:
    from concierge.core.buttons import ButtonStore
    from concierge.core.clock import Clock
    from concierge.core.i18n import Catalog
    from concierge.core.jobs import Jobs
    from concierge.core.metrics import Metrics
    from concierge.core.notify import Notifier
    from concierge.core.scheduler import Scheduler
    from concierge.storage.credentials import CredentialStore
    from concierge.storage.db import Database
    from concierge.storage.repos import UserRepo


@dataclass(frozen=True, slots=True)
class CoreServices:
    db: Database
    users: UserRepo
    notifier: Notifier
    catalog: Catalog
    credentials: CredentialStore
    clock: Clock
    jobs: Jobs
    scheduler: Scheduler  # static schedules come from Skill.schedules; this sets users' own
    default_language: str
    buttons: ButtonStore  # stored button payloads, for replies built outside a chat (jobs)
    metrics: Metrics = field(default_factory=Metrics)  # the app's Prometheus registry
    relay: Relay = field(default_factory=Relay)  # jobs hand text back to the dispatcher
