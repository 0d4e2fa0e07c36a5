"""The texts of a grab's progress message and of ``/queue``, in the user's language."""

from __future__ import annotations

from dataclasses import dataclass

from concierge.core.i18n import Catalog
from concierge.core.messages import literal
from concierge.core.units import format_size

CANCEL_ACTION = "grab.cancel"
MAX_SHOWN_URL = 80


@dataclass(frozen=True, slots=True)
class Words:
    catalog: Catalog
    lang: str

    def t(self, key: str, **values: object) -> str:
        return self.catalog.t(key, self.lang, **values)

    def size(self, count: float) -> str:
        return format_size(count, lang=self.lang, catalog=self.catalog)


def shown_url(url: str) -> str:
    short = url if len(url) <= MAX_SHOWN_URL else url[: MAX_SHOWN_URL - 1] + "…"
    return literal(short)


def queued(w: Words, url: str, position: int) -> str:
    return w.t("grab.progress.queued", position=position, url=shown_url(url))


def downloading(
    w: Words,
    url: str,
    *,
    done: int,
    total: int | None,
    speed: float | None,
    eta: float | None,
    items: bool = False,
) -> str:
    if items:
        detail = w.t("grab.progress.items", n=done)
    elif total:
        detail = w.t(
            "grab.progress.bytes",
            percent=min(int(done * 100 / total), 100),
            done=w.size(done),
            total=w.size(total),
        )
    else:
        detail = w.size(done)
    if speed:
        detail += " · " + w.t("grab.progress.speed", speed=w.size(speed))
    if eta is not None and total:
        detail += " · " + w.t("grab.progress.eta", eta=_clock(int(eta)))
    return w.t("grab.progress.downloading", url=shown_url(url), detail=detail)


def _clock(seconds: int) -> str:
    minutes, secs = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def phase(w: Words, key: str, url: str) -> str:
    return w.t(f"grab.progress.{key}", url=shown_url(url))


def done(w: Words, url: str, files: int, size: int, cached: bool) -> str:
    key = "grab.progress.done_cached" if cached else "grab.progress.done"
    return w.t(key, url=shown_url(url), files=files, size=w.size(size))


def failed(w: Words, url: str, reason: str) -> str:
    return w.t("grab.progress.failed", url=shown_url(url), reason=w.t(f"grab.error.{reason}"))


def refused(w: Words, limit: str, value: int) -> str:
    shown: object = w.size(value) if limit == "daily_bytes" else value
    return w.t(f"grab.refused.{limit}", value=shown)
