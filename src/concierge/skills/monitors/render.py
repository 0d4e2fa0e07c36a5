"""What monitors look like in chat: the push, the list, the card buttons.

The push is one message: the title (poster, link), what came out, and the best picks,
each with the buttons a /find reply gives it (Magnet, .torrent, Send to my client),
numbered so one keyboard can carry all three.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from concierge.core.clock import Clock
from concierge.core.messages import Button, ButtonRows, Card, Text, literal, rows
from concierge.core.skill import Context
from concierge.skills.monitors.models import ACTIVE, MonitorRow, episode_code, quality_label
from concierge.skills.monitors.service import awaited
from concierge.skills.movies.domain import Title, TorrentResult
from concierge.skills.movies.ranking import RankedTorrent
from concierge.skills.movies.releases import parse_release
from concierge.skills.movies.render import CardButtonFactory, TorrentButtonFactory, torrent_card

REMOVE = "monitors.remove"
AUTO = "monitors.auto"
USER_AUTO = "monitors.user_auto"
NOTIFY = "monitors.notify"
FOLLOW = "monitors.follow"
LIST_ACTION = "monitors.list"


@dataclass(frozen=True, slots=True)
class PushView:
    title: str
    year: int | None
    kind: str
    tmdb_id: int
    quality: int
    episode: str | None  # "S02E05" for a series
    pack: bool
    poster_url: str | None
    picks: list[tuple[str, TorrentResult]]
    auto_text: str | None = None  # the auto-download's result, when there was one


def heading(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year else title


async def push_card(
    ctx: Context,
    view: PushView,
    *,
    can_fetch_file: Callable[[TorrentResult], bool],
    extra_buttons: Sequence[TorrentButtonFactory] = (),
) -> Card:
    name = heading(view.title, view.year)
    if view.episode:
        key = "monitors.push.season_pack" if view.pack else "monitors.push.episode"
        lines = [ctx.t(key, title=literal(name), episode=view.episode)]
    elif view.quality:
        lines = [ctx.t("monitors.push.film_quality", title=literal(name),
                       quality=quality_label(view.quality))]  # fmt: skip
    else:
        lines = [ctx.t("monitors.push.film", title=literal(name))]
    if view.auto_text:
        lines.append(view.auto_text)
    buttons: ButtonRows = ()
    for number, (role, result) in enumerate(view.picks, 1):
        ranked = RankedTorrent(result, parse_release(result.name), 0.0)
        card = await torrent_card(
            ctx, number, ranked, role=role, can_fetch_file=can_fetch_file(result),
            extra_buttons=extra_buttons,
        )  # fmt: skip
        lines += ["", f"*{literal(card.title)}*", card.body]
        buttons += _numbered(card.buttons, number)
    listing = await ctx.button(ctx.t("monitors.push.list"), LIST_ACTION)
    return Card(
        title=f"🔔 {name}",
        body="\n".join(lines),
        image_url=view.poster_url,
        buttons=buttons + rows(listing),
        link=f"https://www.themoviedb.org/{view.kind}/{view.tmdb_id}",
    )


def _numbered(buttons: ButtonRows, number: int) -> ButtonRows:
    """One keyboard for several picks: each label says which pick it acts on."""
    return tuple(tuple(replace(b, label=f"{number} · {b.label}") for b in row) for row in buttons)


def describe(ctx: Context, monitor: MonitorRow) -> str:
    name = literal(heading(monitor.title, monitor.year))
    quality = quality_label(monitor.quality) or ctx.t("monitors.any_quality")
    if monitor.kind == "tv":
        what = ctx.t("monitors.list.series", title=name, quality=quality)
        if monitor.season_from:
            what += " · " + ctx.t("monitors.list.from_season", season=monitor.season_from)
        if monitor.last_seen:
            what += " · " + ctx.t("monitors.list.last", episode=episode_code(monitor.last_seen))
    else:
        what = ctx.t("monitors.list.film", title=name, quality=quality)
    if monitor.state != ACTIVE:
        what += " · " + ctx.t("monitors.list.found")
    if monitor.auto:
        what += " · " + ctx.t("monitors.list.auto")
    return what


async def monitor_item(ctx: Context, monitor: MonitorRow) -> Text:
    auto_key = "monitors.button.auto_off" if monitor.auto else "monitors.button.auto_on"
    buttons = rows(
        await ctx.button(ctx.t("monitors.button.remove"), REMOVE, {"id": monitor.id}),
        await ctx.button(ctx.t(auto_key), AUTO, {"id": monitor.id, "auto": not monitor.auto}),
        per_row=2,
    )
    return Text(describe(ctx, monitor), buttons=buttons)


async def user_auto_item(ctx: Context, auto: bool) -> Text:
    key = "monitors.user_auto.on" if auto else "monitors.user_auto.off"
    label = "monitors.button.user_auto_off" if auto else "monitors.button.user_auto_on"
    button = await ctx.button(ctx.t(label), USER_AUTO, {"auto": not auto})
    return Text(ctx.t(key), buttons=rows(button))


def card_button(clock: Clock) -> CardButtonFactory:
    """*Notify me* on the card of a film not out (digitally) yet, *Follow* on a running
    series; the movies skill calls it for every title card."""

    async def factory(ctx: Context, title: Title) -> Button | None:
        if not awaited(title, clock.now()):
            return None
        if title.kind == "tv":
            return await ctx.button(ctx.t("monitors.card.follow"), FOLLOW, {"id": title.tmdb_id})
        return await ctx.button(ctx.t("monitors.card.notify"), NOTIFY, {"id": title.tmdb_id})

    return factory
