"""A retro left silent for ``RETRO_TIMEOUT_MINUTES`` pauses, and the user is told so.

``flow.py`` enqueues one ``retro.expire`` job per question at ``now + timeout``; it
pauses the retro only if nothing happened since (``seq`` unchanged), so a retro in use
is never paused, and a rerun finds it already paused (the notice's key is per move).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from concierge.core.deps import CoreServices
from concierge.core.flows import FlowStore
from concierge.core.i18n import resolve_language
from concierge.core.jobs import JobContext, JobKind
from concierge.core.messages import Text
from concierge.skills.retro.flow import EXPIRE_KIND, FLOW
from concierge.skills.retro.service import RetroService


class ExpirePayload(BaseModel):
    retro_id: int
    seq: int


def expire_kind(core: CoreServices, service: RetroService, flows: FlowStore) -> JobKind[Any]:
    async def run(_ctx: JobContext, payload: ExpirePayload) -> None:
        paused = await service.store.pause_if_idle(payload.retro_id, payload.seq)
        if paused is None:
            return  # answered, moved on or finished since
        await flows.close(paused.user_id, FLOW)
        user = await core.users.get(paused.user_id)
        if user is None or not core.notifier.can_reach(user):
            return  # /retro still resumes it
        lang = resolve_language(user.language, user.platform_language, core.default_language)
        minutes = int(service.timeout.total_seconds() // 60)
        text = core.catalog.t("retro.paused", lang, day=paused.day.isoformat(), minutes=minutes)
        key = f"retro.paused:{paused.id}:{payload.seq}"  # not the job's own dedupe key
        await core.notifier.enqueue(user, Text(text), key=key)

    return JobKind(EXPIRE_KIND, ExpirePayload, run)
