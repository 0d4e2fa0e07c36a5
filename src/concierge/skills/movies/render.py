"""Cards and lists as core replies: title, person, torrent results.

Torrent cards take extra button factories, so another skill (downloads: "Send
to my client") can add its button without this skill knowing about it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from concierge.core.messages import Button, Card, Text, literal, rows
from concierge.core.skill import Context
from concierge.core.units import format_size
from concierge.skills.movies.domain import Person, Title, TitleHit, TorrentResult
from concierge.skills.movies.ranking import RankedTorrent
from concierge.skills.movies.releases import Release
from concierge.skills.movies.search import SourceFailure
from concierge.skills.movies.store import torrent_to_dict

TorrentButtonFactory = Callable[[Context, TorrentResult], Awaitable[Button | None]]
# another skill's button on a title card (monitors: "Notify me", "Follow"), None to add none
CardButtonFactory = Callable[[Context, Title], Awaitable[Button | None]]

OPEN = "movies.open"
TORRENTS = "movies.torrents"
SIMILAR = "movies.similar"
CAST = "movies.cast"
PERSON = "movies.person"
MAGNET = "movies.magnet"
TORRENT_FILE = "movies.file"
MORE = "movies.more"
# the list buttons every title card carries (handled in list_flows.py)
LIST_ADD = "movies.list.add"
LIST_WATCHED = "movies.list.watched"
LIST_RATE = "movies.list.rate"
LIST_NEVER = "movies.list.never"

OVERVIEW_CHARS = 350
_SOURCE_LABELS = {
    "remux": "Remux",
    "bluray": "BluRay",
    "web-dl": "WEB-DL",
    "webrip": "WEBRip",
    "hdtv": "HDTV",
    "dvd": "DVD",
    "cam": "CAM",
}
_DUB_LABELS = {"dub": "Dub", "mvo": "MVO", "dvo": "DVO", "avo": "AVO", "vo": "VO"}


def _short(text: str, limit: int = OVERVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def ratings_line(title: Title) -> str:
    r = title.ratings
    parts = []
    if r.tmdb is not None:
        parts.append(f"TMDB {r.tmdb:.1f}")
    if r.imdb is not None:
        parts.append(f"IMDb {r.imdb:.1f}")
    if r.rotten_tomatoes is not None:
        parts.append(f"RT {r.rotten_tomatoes}%")
    if r.metacritic is not None:
        parts.append(f"Metacritic {r.metacritic}")
    if r.kinopoisk is not None:
        parts.append(f"Kinopoisk {r.kinopoisk:.1f}")
    return " · ".join(parts)


def heading(title: Title | TitleHit) -> str:
    return f"{title.title} ({title.year})" if title.year else title.title


async def title_card(
    ctx: Context,
    title: Title,
    *,
    in_library: bool = False,
    extra_buttons: Sequence[CardButtonFactory] = (),
) -> Card:
    ref = {"kind": title.kind, "id": title.tmdb_id}
    lines: list[str] = []
    if title.original_title and title.original_title != title.title:
        lines.append(f"_{literal(title.original_title)}_")
    facts = [literal(", ".join(title.genres))] if title.genres else []
    if title.runtime:
        facts.append(ctx.t("movies.card.runtime", minutes=title.runtime))
    if title.kind == "tv" and title.seasons:
        facts.append(
            ctx.t("movies.card.seasons", count=len([s for s in title.seasons if s.number > 0]))
        )
    if facts:
        lines.append(" · ".join(facts))
    ratings = ratings_line(title)
    if ratings:
        lines.append(f"⭐ {ratings}")
    if in_library:
        lines.append(ctx.t("movies.card.in_library"))
    if title.directors:
        key = "movies.card.director" if title.kind == "movie" else "movies.card.creator"
        lines.append(ctx.t(key, names=literal(", ".join(title.directors))))
    if title.cast:
        lines.append(
            ctx.t(
                "movies.card.cast_line",
                names=literal(", ".join(c.name for c in title.cast[:5])),
            )
        )
    if title.next_episode is not None:
        ep = title.next_episode
        lines.append(
            ctx.t(
                "movies.card.next_episode",
                season=ep.season,
                episode=ep.episode,
                date=ep.air_date or "?",
            )
        )
    if title.overview:
        lines.append("")
        lines.append(literal(_short(title.overview)))
    buttons = rows(
        await ctx.button(ctx.t("movies.card.find_torrents"), TORRENTS, ref),
        await ctx.button(ctx.t("movies.card.similar"), SIMILAR, ref)
        if title.recommendations
        else None,
        await ctx.button(ctx.t("movies.card.cast"), CAST, ref) if title.cast else None,
        per_row=3,
    ) + await list_buttons(ctx, title)
    extra = rows(*[await factory(ctx, title) for factory in extra_buttons], per_row=2)
    link = f"https://www.themoviedb.org/{title.kind}/{title.tmdb_id}"
    return Card(
        title=heading(title),
        body="\n".join(lines),
        image_url=title.poster_url,
        buttons=buttons + extra,
        link=link,
    )


def title_ref(title: Title) -> dict[str, object]:
    """What a list button stores: enough to add the title without fetching it again."""
    return {
        "kind": title.kind,
        "id": title.tmdb_id,
        "title": title.title,
        "year": title.year,
        "genre_ids": list(title.genre_ids),
        "people": [*title.directors, *(c.name for c in title.cast[:3])],
    }


async def list_buttons(ctx: Context, title: Title) -> tuple[tuple[Button, ...], ...]:
    """＋ Watchlist, ✓ Watched, ★ Rate, 🚫 Never: one row under every title card."""
    ref = title_ref(title)
    return rows(
        await ctx.button(ctx.t("movies.card.watchlist"), LIST_ADD, ref),
        await ctx.button(ctx.t("movies.card.watched"), LIST_WATCHED, ref),
        await ctx.button(ctx.t("movies.card.rate"), LIST_RATE, ref),
        await ctx.button(ctx.t("movies.card.never"), LIST_NEVER, ref),
        per_row=4,
    )


async def person_card(ctx: Context, person: Person) -> Card:
    lines: list[str] = []
    if person.department:
        lines.append(literal(person.department))
    if person.birthday:
        lines.append(
            ctx.t(
                "movies.person.born",
                date=literal(person.birthday),
                place=literal(person.place_of_birth or "?"),
            )
        )
    if person.biography:
        lines.append(literal(_short(person.biography, 500)))
    buttons: list[Button | None] = []
    if person.known_for:
        lines.append(ctx.t("movies.person.known_for"))
        for hit in person.known_for[:6]:
            buttons.append(
                await ctx.button(heading(hit), OPEN, {"kind": hit.kind, "id": hit.tmdb_id})
            )
    return Card(
        title=person.name,
        body="\n".join(lines),
        image_url=person.photo_url,
        buttons=rows(*buttons, per_row=2),
        link=f"https://www.themoviedb.org/person/{person.tmdb_id}",
    )


async def title_list(ctx: Context, header: str, hits: Sequence[TitleHit]) -> Text:
    lines = [header]
    buttons: list[Button | None] = []
    for number, hit in enumerate(hits, 1):
        kind = ctx.t(f"movies.kind.{hit.kind}")
        rating = f" · ⭐ {hit.rating:.1f}" if hit.rating else ""
        lines.append(f"{number}. {literal(heading(hit))} — {kind}{rating}")
        buttons.append(
            await ctx.button(f"{number}. {hit.title}", OPEN, {"kind": hit.kind, "id": hit.tmdb_id})
        )
    return Text("\n".join(lines), buttons=rows(*buttons, per_row=2))


def badges(release: Release) -> str:
    parts: list[str] = []
    if release.resolution:
        parts.append(f"{release.resolution}p")
    if release.source:
        parts.append(_SOURCE_LABELS.get(release.source, release.source))
    if release.dolby_vision:
        parts.append("DV")
    if release.hdr - {"DV"}:
        parts.append("HDR10+" if "HDR10+" in release.hdr else "HDR")
    if release.codec in ("hevc", "av1"):
        parts.append(release.codec.upper())
    if release.best_dubbing:
        parts.append(_DUB_LABELS[release.best_dubbing])
    if release.is_pack and release.seasons:
        seasons = release.seasons
        parts.append(f"S{seasons[0]:02d}" + (f"–S{seasons[-1]:02d}" if len(seasons) > 1 else ""))
    elif len(release.episodes) == 1 and release.seasons:
        parts.append(f"S{release.seasons[0]:02d}E{release.episodes[0]:02d}")
    return " · ".join(parts)


async def torrent_card(
    ctx: Context,
    number: int,
    ranked: RankedTorrent,
    *,
    role: str | None,
    can_fetch_file: bool,
    extra_buttons: Sequence[TorrentButtonFactory] = (),
) -> Card:
    result = ranked.result
    label = f"{number}. " + (f"{ctx.t(f'movies.torrents.role.{role}')}: " if role else "")
    body = [
        literal(result.name),
        ctx.t(
            "movies.torrents.line",
            size=format_size(result.size, lang=ctx.lang, catalog=ctx.catalog),
            seeders=result.seeders,
            tracker=literal(result.tracker),
        ),
    ]
    marks = badges(ranked.release)
    if marks:
        body.append(f"🏷 {marks}")
    payload = torrent_to_dict(result)
    buttons: list[Button | None] = [
        await ctx.button(ctx.t("movies.torrents.magnet"), MAGNET, payload)
    ]
    if can_fetch_file:
        buttons.append(await ctx.button(ctx.t("movies.torrents.file"), TORRENT_FILE, payload))
    elif result.torrent_url:
        buttons.append(Button(ctx.t("movies.torrents.file"), url=result.torrent_url))
    for factory in extra_buttons:
        buttons.append(await factory(ctx, result))
    title = label + (heading_short(ctx, ranked) or result.name[:60])
    return Card(
        title=title, body="\n".join(body), buttons=rows(*buttons, per_row=3), link=result.page_url
    )


def heading_short(ctx: Context, ranked: RankedTorrent) -> str:
    release = ranked.release
    size = format_size(ranked.result.size, lang=ctx.lang, catalog=ctx.catalog)
    return f"{release.resolution}p, {size}" if release.resolution else size


def failures_text(ctx: Context, failures: Sequence[SourceFailure]) -> str:
    named = ", ".join(
        f"{literal(f.source)} ({ctx.t(f'movies.reason.{f.reason}')})" for f in failures
    )
    return ctx.t("movies.torrents.not_answered", sources=named)
