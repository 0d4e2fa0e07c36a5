"""How downloads and the library look in chat: progress bars, sizes, buttons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from concierge.core.messages import Button, Text, literal, rows
from concierge.core.skill import Context
from concierge.core.units import format_size
from concierge.skills.downloads.library import LibraryItem
from concierge.skills.downloads.ports import TorrentState
from concierge.skills.downloads.service import DownloadView

SEND_ACTION = "downloads.send"
CONTROL_ACTION = "downloads.control"
BAR_WIDTH = 10


def send_payload(
    *, name: str, magnet: str | None = None, torrent_url: str | None = None
) -> dict[str, Any]:
    """What a torrent card's "Send to my client" button carries (see ``send_button``)."""
    return {"name": name[:300], "magnet": magnet, "torrent_url": torrent_url}


async def send_button(
    ctx: Context, *, name: str, magnet: str | None = None, torrent_url: str | None = None
) -> Button:
    """The "Send to my client" button other skills put on a torrent result."""
    payload = send_payload(name=name, magnet=magnet, torrent_url=torrent_url)
    return await ctx.button(ctx.t("downloads.send.button"), SEND_ACTION, payload)


def progress_bar(progress: float) -> str:
    filled = round(max(0.0, min(progress, 1.0)) * BAR_WIDTH)
    return "▰" * filled + "▱" * (BAR_WIDTH - filled)


def _duration_parts(seconds: int) -> tuple[str, dict[str, int]]:
    """Days and hours from a day on, hours and minutes from an hour, else minutes (>= 1)."""
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours >= 24:
        return "days", {"days": hours // 24, "hours": hours % 24}
    if hours:
        return "hours", {"hours": hours, "minutes": minutes}
    return "minutes", {"minutes": max(minutes, 1)}


def human_duration(seconds: int) -> str:
    """For the model's summary (English); users read ``duration_text``."""
    shape, values = _duration_parts(seconds)
    if shape == "days":
        return f"{values['days']}d {values['hours']}h"
    if shape == "hours":
        return f"{values['hours']}h {values['minutes']:02d}m"
    return f"{values['minutes']}m"


def duration_text(ctx: Context, seconds: int) -> str:
    shape, values = _duration_parts(seconds)
    padded = {k: f"{v:02d}" if k == "minutes" and shape == "hours" else str(v)
              for k, v in values.items()}  # fmt: skip
    return ctx.t(f"downloads.duration.{shape}", **padded)


async def download_item(ctx: Context, view: DownloadView) -> Text:
    live = view.live
    if live is None:
        state = ctx.t("downloads.list.gone")
        progress = 1.0 if view.status == "complete" else 0.0
        speed = eta = ""
    else:
        state = ctx.t(f"downloads.state.{live.state.value}")
        progress = live.progress
        speed = (
            ctx.t(
                "downloads.list.speed",
                speed=format_size(live.download_rate, lang=ctx.lang, catalog=ctx.catalog),
            )
            if live.download_rate
            else ""
        )
        eta = (
            ctx.t("downloads.list.eta", eta=duration_text(ctx, live.eta_seconds))
            if live.eta_seconds and not live.complete
            else ""
        )
    text = ctx.t(
        "downloads.list.item",
        name=literal(view.name),
        bar=progress_bar(progress),
        percent=int(progress * 100),
        state=state,
        speed=speed,
        eta=eta,
    )
    buttons: list[Button] = []
    if live is not None:
        toggle = (
            "resume" if live.state in (TorrentState.PAUSED, TorrentState.COMPLETED) else "pause"
        )
        buttons.append(await _control(ctx, toggle, view.id))
    buttons.append(await _control(ctx, "remove", view.id))
    buttons.append(await _control(ctx, "remove_data", view.id))
    return Text(text, buttons=rows(*buttons, per_row=3))


async def _control(ctx: Context, action: str, download_id: int) -> Button:
    return await ctx.button(
        ctx.t(f"downloads.button.{action}"), CONTROL_ACTION, {"id": download_id, "action": action}
    )


def library_line(ctx: Context, item: LibraryItem) -> str:
    year = f" ({item.year})" if item.year else ""
    extra = f" · {ctx.t('library.episodes', count=item.episodes)}" if item.episodes else ""
    icon = "📺" if item.kind == "series" else "🎬"
    return f"{icon} {literal(item.title)}{year}{extra}"


def library_payload(kind: str | None, query: str, page: int) -> Mapping[str, Any]:
    return {"kind": kind, "query": query[:100], "page": page}
