"""Builds everything once from ``Settings`` and passes it down; the only settings reader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from pydantic import BaseModel, SecretStr

from concierge import collector
from concierge.adapters import assembly
from concierge.adapters.digest_assembly import digest_deps
from concierge.adapters.http import HttpFactory
from concierge.adapters.letterboxd import LetterboxdFeed
from concierge.adapters.monitors_assembly import monitors_deps
from concierge.adapters.retro_assembly import admin_deps, retro_deps
from concierge.config import Settings
from concierge.core import release_names
from concierge.core.access import Role, parse_owner_ids
from concierge.core.agent import build_agent_runner
from concierge.core.approvals import Approvals
from concierge.core.builtin import CoreCommands, build_core_skill
from concierge.core.buttons import ButtonStore
from concierge.core.clock import SYSTEM_CLOCK, Clock
from concierge.core.deps import CoreServices
from concierge.core.dispatch import AccessPolicy, Dispatcher
from concierge.core.flows import FlowStore
from concierge.core.i18n import Catalog
from concierge.core.jobs import JobContext, JobKind, Jobs
from concierge.core.messages import UserRef
from concierge.core.metrics import Metrics
from concierge.core.model_choice import LLMSettings, build_model_skill
from concierge.core.notify import Notifier
from concierge.core.registry import Registry
from concierge.core.scheduler import Scheduler
from concierge.core.schedules import Every, Schedule
from concierge.core.skill import Skill
from concierge.core.time_commands import TimeZoneCommands
from concierge.skills import admin, digests, downloads, grab, memory, monitors, movies, retro, voice
from concierge.skills.downloads.factory import default_factory
from concierge.skills.downloads.library import LibraryIndex
from concierge.skills.downloads.render import send_button
from concierge.skills.memory.summarizer import model_summarizer
from concierge.skills.movies.matcher import CatalogMatcher
from concierge.skills.movies.render import TorrentButtonFactory
from concierge.storage.buttons import SqlButtonStore
from concierge.storage.credentials import CredentialStore
from concierge.storage.db import Database
from concierge.storage.flows import SqlFlows
from concierge.storage.jobs import EmbeddedJobs
from concierge.storage.repos import HistoryRepo, UpdateLog, UserRepo
from concierge.storage.schedules import SqlTickLedger, SqlUserSchedules
from concierge.storage.secrets import SecretBox, load_keys
from concierge.storage.sent_notices import SentNotices

log = structlog.get_logger(__name__)


@dataclass
class App:
    """The assembled application: storage, skills, dispatcher and their background jobs."""

    settings: Settings
    db: Database
    box: SecretBox
    credentials: CredentialStore
    dispatcher: Dispatcher
    scheduler: Scheduler
    jobs: Jobs
    closers: list[object] = field(default_factory=list)

    # the core services live on the dispatcher; these name them for callers
    @property
    def catalog(self) -> Catalog:
        return self.dispatcher.catalog

    @property
    def users(self) -> UserRepo:
        return self.dispatcher.users

    @property
    def buttons(self) -> ButtonStore:
        return self.dispatcher.buttons

    @property
    def flows(self) -> FlowStore:
        return self.dispatcher.flows

    @property
    def notifier(self) -> Notifier:
        return self.dispatcher.notifier

    @property
    def metrics(self) -> Metrics:
        return self.dispatcher.metrics

    @property
    def registry(self) -> Registry:
        return self.dispatcher.registry

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.jobs.stop()
        for closer in reversed(self.closers):
            aclose = getattr(closer, "aclose", None)
            if aclose is not None:
                await aclose()
        await self.db.close()


def build_database(settings: Settings) -> Database:
    return Database(settings.effective_database_url())


def build_jobs(settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Jobs:
    """The job engine ``JOBS_BACKEND`` picks: procrastinate (Postgres) or the embedded one
    on the application's database (SQLite or Postgres)."""
    # link downloads (at most GRAB_MAX_RUNNING at once, mostly waiting on their child
    # process) get slots on top, so they never hold up notices and polls
    slots = settings.jobs_concurrency + settings.grab_max_running
    if settings.effective_jobs_backend() == "procrastinate":
        if db.is_sqlite:
            raise ValueError("JOBS_BACKEND=procrastinate needs a Postgres DATABASE_URL")
        # imported here: procrastinate and psycopg cost ~1 s of start-up (issue 15, P7)
        from concierge.adapters.procrastinate_jobs import ProcrastinateJobs

        return ProcrastinateJobs(db, clock=clock, concurrency=slots)
    return EmbeddedJobs(db, clock=clock, concurrency=slots)


def build_scheduler(
    db: Database, jobs: Jobs, users: UserRepo, default_zone: str, clock: Clock = SYSTEM_CLOCK
) -> Scheduler:
    """Ticks are claimed in the application's database, shared by every process."""
    return Scheduler(
        jobs=jobs,
        ledger=SqlTickLedger(db, clock),
        user_schedules=SqlUserSchedules(db),
        users=users,
        default_zone=default_zone,
        clock=clock,
    )


def build_secret_box(settings: Settings) -> SecretBox:
    configured = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    return SecretBox(load_keys(configured, settings.data_dir))


class HousekeepingPayload(BaseModel):
    """Housekeeping needs no arguments."""


Pruner = Callable[[], Awaitable[int]]


def _housekeeping(pruners: Mapping[str, Pruner]) -> tuple[JobKind[HousekeepingPayload], Schedule]:
    """Prune expired rows hourly; idempotent, so a doubled run is harmless."""

    async def run(_ctx: JobContext, _payload: HousekeepingPayload) -> None:
        removed = {name: await prune() for name, prune in pruners.items()}
        if any(removed.values()):
            log.info("housekeeping", **removed)

    kind = JobKind(HOUSEKEEPING, HousekeepingPayload, run)
    return kind, Schedule(HOUSEKEEPING, HOUSEKEEPING, Every(timedelta(hours=1)))


def build_dispatcher(
    db: Database,
    *,
    catalog: Catalog,
    users: UserRepo,
    notifier: Notifier,
    metrics: Metrics,
    policy: AccessPolicy,
    skills: Sequence[Skill],
    llm: LLMSettings | None,
    scheduler: Scheduler | None = None,
    default_zone: str = "UTC",
) -> Dispatcher:
    """The core: built-in commands first, then ``skills``, the agent over all their tools.

    With ``llm`` None there is no agent (callers may set ``dispatcher.agent`` themselves);
    without a ``scheduler``, one over an embedded engine on ``db`` serves ``/timezone``.
    """
    scheduler = scheduler or build_scheduler(db, EmbeddedJobs(db), users, default_zone)
    core_commands = CoreCommands(users, notifier, catalog, policy.default_language)
    zones = TimeZoneCommands(users, scheduler, default_zone, SYSTEM_CLOCK)
    buttons = SqlButtonStore(db)
    approvals = Approvals(
        users=users,
        notifier=notifier,
        buttons=buttons,
        catalog=catalog,
        default_language=policy.default_language,
    )
    core_skill = build_core_skill(core_commands, zones, approvals)
    registry = Registry([core_skill, *skills])
    core_commands.registry = registry
    agent = None
    if llm is not None:
        agent = build_agent_runner(
            llm=llm,
            registry=registry,
            history=HistoryRepo(db),
            users=users,
            metrics=metrics,
            catalog=catalog,
        )
    return Dispatcher(
        registry=registry,
        users=users,
        updates=UpdateLog(db),
        buttons=buttons,
        flows=SqlFlows(db),
        catalog=catalog,
        notifier=notifier,
        policy=policy,
        metrics=metrics,
        agent=agent,
        approvals=approvals,
    )


HOUSEKEEPING = "core.housekeeping"

SkillBuilder = Callable[[CoreServices], Skill]


def build_skills(settings: Settings, core: CoreServices, http: HttpFactory) -> list[Skill]:
    """Every built-in skill, one line each; adapters are built here and passed in."""
    rutracker = assembly.rutracker_source(settings, http, core.credentials)
    catalog = assembly.metadata_catalog(settings, http)
    torrent_buttons: list[TorrentButtonFactory] = [
        lambda ctx, r: send_button(ctx, name=r.name, magnet=r.magnet, torrent_url=r.torrent_url)
    ]
    movies_deps = movies.MoviesDeps(
        core=core,
        catalog=catalog,
        ratings=assembly.ratings_sources(settings, http),
        sources=assembly.torrent_sources(settings, http, rutracker),
        source_deadline=settings.source_deadline_seconds,
        accounts=rutracker,
        library=LibraryIndex(core.db),
        preferences=memory.preferences(core),
        torrent_buttons=torrent_buttons,
        card_buttons=[monitors.card_button(core.clock)],
    )
    shared = movies.service_for(movies_deps)  # one search: movies and monitors share it
    watching = monitors.build(monitors_deps(settings, core, shared, torrent_buttons))
    return [
        retro.build(retro_deps(settings, core)),
        admin.build(admin_deps(settings, core)),
        downloads.build(
            downloads.DownloadsDeps(
                core=core,
                factory=default_factory,
                policy=assembly.client_policy(settings),
                poll_seconds=float(settings.download_poll_seconds),
                sync_api_key=_secret(settings.sync_api_key),
            )
        ),
        movies.build(movies_deps, service=shared),
        # release monitors and series: the same search, the /find buttons, users' own clients
        watching.skill,
        grab.build(grab.GrabDeps(core=core, config=grab_config(settings))),
        voice.build(assembly.voice_deps(settings, core, http)),
        memory.build(
            memory.MemoryDeps(
                core,
                model_summarizer(LLMSettings.from_settings(settings)),
                CatalogMatcher(catalog),
                LetterboxdFeed(http, base_url=settings.letterboxd_base_url),
                settings.letterboxd_poll_minutes,
                assembly.trakt_api(settings, http),
                settings.trakt_sync_minutes,
            )
        ),
        digests.build(digest_deps(settings, core, http, matches=watching.service)),
    ]


def grab_config(settings: Settings) -> grab.GrabConfig:
    """The grab skill's limits and folders (GRAB_* settings)."""
    mb = 1024 * 1024
    return grab.GrabConfig(
        work_dir=settings.data_dir / "grab",
        limits=grab.Limits(
            max_waiting=settings.grab_max_waiting,
            max_running=settings.grab_max_running,
            per_user=settings.grab_max_per_user,
            daily_count=settings.grab_daily_count,
            daily_bytes=settings.grab_daily_mb * mb,
        ),
        max_file_bytes=settings.grab_max_file_mb * mb,
        max_duration=settings.grab_max_duration_seconds,
        timeout=float(settings.grab_timeout_seconds),
        storage_bytes=settings.grab_storage_mb * mb,
        memory_mb=settings.grab_memory_mb,
        spare_children=settings.grab_spare_children,
        routes=dict(grab.parse_routes(settings.grab_routes)),
        allow_private=settings.grab_allow_private,
        trusted_endpoints=frozenset(e.lower() for e in settings.grab_allowed_endpoints),
        cookies_dir=settings.data_dir / "cookies",
        upload_limit=settings.telegram_upload_limit_mb * mb,
        links_mode=settings.grab_links,
        min_video_kbps=settings.grab_min_video_kbps,
        public_base_url=settings.public_base_url,
        link_ttl_hours=settings.grab_link_hours,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


async def build_app(
    settings: Settings,
    *,
    migrate: bool = True,
    extra_skills: Sequence[SkillBuilder] = (),
    clock: Clock = SYSTEM_CLOCK,
) -> App:
    """The whole application; ``extra_skills`` adds skills living outside the package;
    ``clock`` drives jobs, schedules and skills (tests pass a fake one)."""
    owners = frozenset(parse_owner_ids(settings.owner_ids))
    db = build_database(settings)
    box = build_secret_box(settings)
    catalog = Catalog.load()
    users = UserRepo(db)
    notifier = Notifier(users)
    credentials = CredentialStore(db, box)
    jobs = build_jobs(settings, db, clock)
    notifier.use_jobs(jobs, SentNotices(db))  # bot-initiated messages are retried and paced
    llm = LLMSettings.from_settings(settings)
    scheduler = build_scheduler(db, jobs, users, settings.default_timezone, clock)
    metrics = Metrics()
    core = CoreServices(
        db=db,
        users=users,
        notifier=notifier,
        catalog=catalog,
        credentials=credentials,
        clock=clock,
        jobs=jobs,
        scheduler=scheduler,
        default_language=settings.default_language,
        buttons=SqlButtonStore(db),
        metrics=metrics,
    )
    movies_http = assembly.http_factory(settings)
    skills: list[Skill] = [
        build_model_skill(llm, users),
        *build_skills(settings, core, movies_http),
        *(build(core) for build in extra_skills),
    ]
    for skill in skills:
        for kind in skill.job_kinds:
            jobs.register(kind)
        if skill.home is not None and (skill.home / "locales").is_dir():
            catalog.extend(skill.home / "locales")
        if skill.home is not None and (skill.home / "migrations").is_dir():
            db.migration_locations.append(skill.home / "migrations")
    if migrate:
        await db.upgrade()
    for platform, platform_id in owners:  # also promotes someone who wrote before being listed
        owner = await users.upsert(UserRef(platform, platform_id), Role.OWNER)
        if owner.role is not Role.OWNER:
            await users.set_role(owner.id, Role.OWNER)
    dispatcher = build_dispatcher(
        db,
        catalog=catalog,
        users=users,
        notifier=notifier,
        metrics=metrics,
        policy=AccessPolicy(owners, settings.access_mode, settings.default_language),
        skills=skills,
        llm=llm,
        scheduler=scheduler,
        default_zone=settings.default_timezone,
    )
    core.relay.bind(dispatcher)  # jobs (a transcribed voice note) answer as if typed
    housekeeping, hourly = _housekeeping(
        {
            "buttons": dispatcher.buttons.prune_expired,
            "updates": lambda: dispatcher.updates.prune(timedelta(days=2)),
            "flows": dispatcher.flows.prune,
            "ticks": lambda: SqlTickLedger(db).prune(SYSTEM_CLOCK.now() - timedelta(days=2)),
        }
    )
    jobs.register(housekeeping)
    for kind in dispatcher.registry.skills[0].job_kinds:  # the core skill's own
        jobs.register(kind)
    scheduler.add([*dispatcher.registry.schedules, hourly])

    async def queue_figures() -> None:
        stats = await jobs.stats()
        metrics.queue_depth.set(stats.depth)
        metrics.queue_running.set(stats.running)
        metrics.queue_lag.set(stats.oldest_due_seconds)

    metrics.before_scrape.append(queue_figures)
    release_names.warm_up()  # ~0.35 s of parser build, while the front-end starts (P7)
    collector.settle()  # start-up's objects are built: out of the collector's way
    return App(
        settings=settings,
        db=db,
        box=box,
        credentials=credentials,
        dispatcher=dispatcher,
        scheduler=scheduler,
        jobs=jobs,
        closers=[movies_http, *(c for skill in skills for c in skill.closers)],
    )
