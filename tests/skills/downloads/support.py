"""Building the downloads skill for tests: real storage, real daemons, recorded notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from concierge.bootstrap import App
from concierge.core.access import Role
from concierge.core.i18n import Catalog
from concierge.core.messages import Card, MessageHandle, Reply, Text, UserRef, unescape_literal
from concierge.core.notify import DeliveryFailed, Notifier
from concierge.skills.downloads.client_url import ClientConfig
from concierge.skills.downloads.factory import default_factory
from concierge.skills.downloads.library import LibraryIndex
from concierge.skills.downloads.monitor import CompletionMonitor
from concierge.skills.downloads.render import SEND_ACTION, send_payload
from concierge.skills.downloads.service import ClientPolicy, DownloadService
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.repos import UserRecord, UserRepo
from concierge.storage.sent_notices import SentNotices
from daemons import RunningDaemon
from tests.fakes.clock import FakeClock
from tests.support.app import Person


@dataclass
class Inbox:
    """What each platform user received from the bot, and a switch to make delivery fail."""

    received: dict[int, list[str]] = field(default_factory=dict)
    failing: str | None = None

    async def send_to_user(self, platform_user_id: int, reply: Reply) -> MessageHandle:
        if self.failing is not None:
            raise DeliveryFailed(self.failing)
        assert isinstance(reply, Text)
        inbox = self.received.setdefault(platform_user_id, [])
        inbox.append(unescape_literal(reply.text))
        return MessageHandle("telegram", platform_user_id, (len(inbox),))

    async def edit(self, handle: MessageHandle, reply: Text | Card) -> MessageHandle:
        assert isinstance(reply, Text)
        self.received[handle.chat_id][handle.message_id - 1] = unescape_literal(reply.text)
        return handle

    async def delete_message(self, handle: MessageHandle) -> bool:
        return False


@dataclass
class Downloads:
    db: Database
    users: UserRepo
    credentials: CredentialStore
    service: DownloadService
    monitor: CompletionMonitor
    library: LibraryIndex
    inbox: Inbox
    notifier: Notifier
    catalog: Catalog
    jobs: EmbeddedJobs
    clock: FakeClock

    async def send_owed(self) -> list[str]:
        """Queue what the monitor owes and run the notice jobs; what went out, in order."""
        before = {k: len(v) for k, v in self.inbox.received.items()}
        await self.monitor.deliver()
        await self.jobs.run_until_idle()
        return [
            text for k, texts in self.inbox.received.items() for text in texts[before.get(k, 0) :]
        ]

    async def user(self, platform_id: int, role: Role = Role.USER) -> UserRecord:
        record = await self.users.upsert(UserRef("telegram", platform_id, f"u{platform_id}"), role)
        return await self.users.set_role(record.id, role) or record

    def rebuilt(self, policy: ClientPolicy | None = None) -> Downloads:
        """The same database with every object built anew: what a restart looks like."""
        return build(self.db, self.credentials, self.inbox, policy or self.service.policy)


def build(
    db: Database, credentials: CredentialStore, inbox: Inbox, policy: ClientPolicy
) -> Downloads:
    users = UserRepo(db)
    notifier = Notifier(users)
    notifier.register("telegram", inbox)
    clock = FakeClock()
    jobs = EmbeddedJobs(db, clock=clock)
    notifier.use_jobs(jobs, SentNotices(db))
    catalog = Catalog.load()
    service = DownloadService(
        db=db, credentials=credentials, factory=default_factory, policy=policy
    )
    monitor = CompletionMonitor(
        db=db, service=service, users=users, notifier=notifier, catalog=catalog,
        default_language="en", jobs=jobs,
    )  # fmt: skip
    jobs.register(monitor.job_kind())
    return Downloads(
        db, users, credentials, service, monitor, LibraryIndex(db), inbox, notifier, catalog,
        jobs, clock,
    )  # fmt: skip


def client_config(daemon: RunningDaemon) -> ClientConfig:
    """The operator's client as the skill stores it, for any of the three daemons."""
    return ClientConfig(daemon.kind, daemon.base_url, daemon.username, daemon.password)


def client_url(daemon: RunningDaemon) -> str:
    """TORRENT_CLIENT_URL for the operator's client: the test's Transmission daemon."""
    port = daemon.base_url.split(":")[2].split("/")[0]
    return f"transmission://{daemon.username}:{daemon.password}@127.0.0.1:{port}/transmission/rpc"


async def torrent_card_button(app: App, person: Person, **payload: Any) -> str:
    """What the movies skill's torrent card carries: a Send to my client button."""
    user = await app.users.find(person.ref.platform, person.ref.id)
    assert user is not None
    return await app.buttons.create(
        owner_user_id=user.id, action=SEND_ACTION, payload=send_payload(**payload)
    )
