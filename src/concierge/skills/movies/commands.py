"""What the user sees: the flows behind commands, buttons, deep links and tools.

Each flow sends its cards through ``ctx`` and returns a short summary for the
model (ids and a few fields, never raw JSON).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from concierge.adapters.http import ExternalServiceError
from concierge.core.messages import Card, File, Text, rows
from concierge.core.skill import Context
from concierge.skills.movies.domain import MediaKind, Title, TitleHit, TorrentQuery
from concierge.skills.movies.ranking import Preferences, RankedTorrent, parse_quality
from concierge.skills.movies.releases import parse_release
from concierge.skills.movies.render import (
    MORE,
    TorrentButtonFactory,
    failures_text,
    heading,
    person_card,
    title_card,
    title_list,
    torrent_card,
)
from concierge.skills.movies.service import MoviesService, TorrentOutcome
from concierge.skills.movies.store import (
    LastResults,
    hit_from_dict,
    hit_to_dict,
    torrent_from_dict,
    torrent_to_dict,
)

log = structlog.get_logger(__name__)

PreferencesFor = Callable[[Context], Awaitable[Preferences]]
PAGE = 5
LIST_LIMIT = 30


async def default_preferences(ctx: Context) -> Preferences:
    """Without a stored profile: 1080p, Russian voice-over for Russian speakers."""
    return Preferences(quality=1080, audio_language="ru" if ctx.lang == "ru" else "en")


def _kind(value: object) -> MediaKind:
    return "tv" if value == "tv" else "movie"


class MoviesFlows:
    def __init__(
        self,
        service: MoviesService,
        last: LastResults,
        *,
        preferences: PreferencesFor = default_preferences,
        torrent_buttons: Sequence[TorrentButtonFactory] = (),
    ) -> None:
        self.service = service
        self.last = last
        self.preferences = preferences
        self.torrent_buttons = list(torrent_buttons)

    # --- titles -------------------------------------------------------------------

    async def _metadata_failed(self, ctx: Context, exc: ExternalServiceError) -> None:
        await ctx.reply(ctx.t("movies.metadata.failed", reason=ctx.t(f"movies.reason.{exc.kind}")))

    async def _title_card(self, ctx: Context, title: Title) -> Card:
        return await title_card(ctx, title, in_library=await self.service.in_library(title))

    async def show_title(self, ctx: Context, kind: MediaKind, tmdb_id: int) -> str:
        try:
            title = await self.service.title(kind, tmdb_id, lang=ctx.lang)
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return f"metadata unavailable: {exc.kind}"
        except LookupError:
            await ctx.reply(ctx.t("movies.metadata.not_configured"))
            return "no metadata source configured"
        await ctx.reply(await self._title_card(ctx, title))
        return _title_summary(title)

    async def show_titles(
        self, ctx: Context, query: str, *, kind: str = "multi", year: int | None = None
    ) -> str:
        if self.service.catalog is None:
            await ctx.reply(ctx.t("movies.metadata.not_configured"))
            return "no metadata source configured"
        search_kind = kind if kind in ("movie", "tv") else "multi"
        try:
            hits = await self.service.find_titles(query, lang=ctx.lang, kind=search_kind, year=year)  # type: ignore[arg-type]
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return f"metadata unavailable: {exc.kind}"
        if not hits:
            await ctx.reply(ctx.t("movies.titles.none", query=query))
            return f"nothing found for {query!r}"
        hits = hits[:8]
        await self.last.save(ctx.user.id, "titles", query, [hit_to_dict(h) for h in hits])
        await ctx.reply(await title_list(ctx, ctx.t("movies.titles.header", query=query), hits))
        return "; ".join(f"{n}. {_hit_summary(h)}" for n, h in enumerate(hits, 1))

    async def show_person(
        self, ctx: Context, *, tmdb_id: int | None = None, name: str | None = None
    ) -> str:
        try:
            if tmdb_id is None and name:
                people = await self.service.find_people(name, lang=ctx.lang)
                if not people:
                    await ctx.reply(ctx.t("movies.person.none", name=name))
                    return f"no person called {name!r}"
                tmdb_id = people[0].tmdb_id
            if tmdb_id is None:
                return "give a name or an id"
            person = await self.service.person(tmdb_id, lang=ctx.lang)
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return f"metadata unavailable: {exc.kind}"
        except LookupError:
            await ctx.reply(ctx.t("movies.metadata.not_configured"))
            return "no metadata source configured"
        await ctx.reply(await person_card(ctx, person))
        known = ", ".join(f"{heading(k)} [{k.kind} {k.tmdb_id}]" for k in person.known_for[:5])
        return f"{person.name} (person {person.tmdb_id}); known for: {known}"

    # --- torrents -----------------------------------------------------------------

    async def _resolve_title(
        self, ctx: Context, text: str, kind: str | None, year: int | None
    ) -> Title | None:
        """The film the words name: the top TMDB match (by year when given), or None."""
        if self.service.catalog is None or not text:
            return None
        search_kind = kind if kind in ("movie", "tv") else "multi"
        try:
            hits = await self.service.find_titles(text, lang=ctx.lang, kind=search_kind, year=year)  # type: ignore[arg-type]
            if not hits:
                return None
            best = next((h for h in hits if year and h.year == year), hits[0])
            return await self.service.title(best.kind, best.tmdb_id, lang=ctx.lang)
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return None

    async def find_torrents(
        self,
        ctx: Context,
        *,
        title: str | None = None,
        tmdb_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
        quality: str | None = None,
        season: int | None = None,
        episode: int | None = None,
        show_card: bool = True,
    ) -> str:
        await ctx.outbox.typing()
        wanted = parse_quality(quality)
        found: Title | None = None
        if tmdb_id is not None and self.service.catalog is not None:
            try:
                found = await self.service.title(_kind(kind), tmdb_id, lang=ctx.lang)
            except ExternalServiceError as exc:
                await self._metadata_failed(ctx, exc)
        elif title:
            found = await self._resolve_title(ctx, title, kind, year)
        if found is None and not title:
            await ctx.reply(ctx.t("movies.titles.none", query=str(tmdb_id or "")))
            return "nothing to search for"
        if found is not None and show_card:
            await ctx.reply(await self._title_card(ctx, found))
        query = (
            TorrentQuery(
                title=found.title,
                original_title=found.original_title,
                year=found.year,
                kind=found.kind,
                season=season,
                episode=episode,
                imdb_id=found.imdb_id,
                tmdb_id=found.tmdb_id,
                user_id=ctx.user.id,
            )
            if found is not None
            else TorrentQuery(
                title=title or "",
                year=year,
                kind=_kind(kind) if kind else None,
                season=season,
                episode=episode,
                user_id=ctx.user.id,
            )
        )
        outcome = await self.service.torrents(query, await self.preferences(ctx), quality=wanted)
        listing = outcome.listing()[:LIST_LIMIT]
        await self.last.save(
            ctx.user.id,
            "torrents",
            heading(found) if found else query.title,
            [torrent_to_dict(r.result) for r in listing],
        )
        await self._send_outcome(ctx, outcome, heading(found) if found else query.title, quality)
        return _outcome_summary(outcome, found, query)

    async def _send_outcome(
        self, ctx: Context, outcome: TorrentOutcome, name: str, quality: str | None
    ) -> None:
        if not outcome.ranked:
            lines = [ctx.t("movies.torrents.none", title=name)]
            if outcome.failures:
                lines.append(failures_text(ctx, outcome.failures))
            await ctx.reply("\n".join(lines))
            return
        header = [ctx.t("movies.torrents.header", title=name, count=len(outcome.ranked))]
        if outcome.quality_fallback:
            header.append(ctx.t("movies.torrents.quality_fallback", quality=quality or ""))
        await ctx.reply("\n".join(header))
        for number, (role, ranked) in enumerate(outcome.picks.present(), 1):
            await ctx.reply(await self._card(ctx, number, ranked, role))
        footer: list[str] = []
        if outcome.failures:
            footer.append(failures_text(ctx, outcome.failures))
        shown = len(outcome.picks.present())
        more = None
        if len(outcome.ranked) > shown:
            footer.append(
                ctx.t("movies.torrents.more_hint", shown=shown, count=len(outcome.ranked))
            )
            more = await ctx.button(ctx.t("movies.torrents.more"), MORE, {"offset": shown})
        if footer:
            await ctx.reply(Text("\n".join(footer), buttons=rows(more)))

    async def _card(
        self, ctx: Context, number: int, ranked: RankedTorrent, role: str | None
    ) -> Any:
        return await torrent_card(
            ctx,
            number,
            ranked,
            role=role,
            can_fetch_file=self.service.can_fetch_torrent_file(ranked.result),
            extra_buttons=self.torrent_buttons,
        )

    async def more(self, ctx: Context, offset: int) -> None:
        loaded = await self.last.load(ctx.user.id)
        if loaded is None or loaded[0] != "torrents":
            await ctx.reply(ctx.t("movies.pick.none"))
            return
        items = loaded[2]
        page = items[offset : offset + PAGE]
        for number, item in enumerate(page, offset + 1):
            result = torrent_from_dict(item)
            ranked = RankedTorrent(result, parse_release(result.name), 0.0)
            await ctx.reply(await self._card(ctx, number, ranked, None))
        if offset + PAGE < len(items):
            more = await ctx.button(ctx.t("movies.torrents.more"), MORE, {"offset": offset + PAGE})
            await ctx.reply(
                Text(
                    ctx.t("movies.torrents.more_hint", shown=offset + PAGE, count=len(items)),
                    buttons=rows(more),
                )
            )

    async def pick(self, ctx: Context, number: int) -> str:
        """ "download 2": the n-th entry of the user's last list."""
        loaded = await self.last.load(ctx.user.id)
        if loaded is None or not loaded[2]:
            await ctx.reply(ctx.t("movies.pick.none"))
            return "no previous list"
        kind, _query, items = loaded
        if not 1 <= number <= len(items):
            await ctx.reply(ctx.t("movies.pick.out_of_range", count=len(items)))
            return f"pick a number from 1 to {len(items)}"
        item = items[number - 1]
        if kind == "titles":
            hit = hit_from_dict(item)
            return await self.find_torrents(ctx, tmdb_id=hit.tmdb_id, kind=hit.kind)
        result = torrent_from_dict(item)
        ranked = RankedTorrent(result, parse_release(result.name), 0.0)
        await ctx.reply(await self._card(ctx, number, ranked, None))
        magnet = await self.send_magnet(ctx, item)
        return f"sent #{number}: {result.name}" + ("" if magnet else " (magnet unavailable)")

    async def send_magnet(self, ctx: Context, payload: dict[str, Any]) -> str | None:
        result = torrent_from_dict(payload)
        try:
            magnet = await self.service.magnet(result, ctx.user.id)
        except ExternalServiceError as exc:
            await ctx.reply(
                ctx.t(
                    "movies.torrents.magnet_failed",
                    source=result.tracker,
                    reason=ctx.t(f"movies.reason.{exc.kind}"),
                )
            )
            return None
        except LookupError:
            await ctx.reply(
                ctx.t(
                    "movies.torrents.magnet_failed",
                    source=result.tracker,
                    reason=ctx.t("movies.reason.error"),
                )
            )
            return None
        await ctx.reply(ctx.t("movies.torrents.magnet_text", name=result.name, magnet=magnet))
        return magnet

    async def send_torrent_file(self, ctx: Context, payload: dict[str, Any]) -> None:
        result = torrent_from_dict(payload)
        try:
            data = await self.service.torrent_file(result, ctx.user.id)
        except (ExternalServiceError, LookupError) as exc:
            reason = exc.kind if isinstance(exc, ExternalServiceError) else "error"
            await ctx.reply(
                ctx.t("movies.torrents.file_failed", reason=ctx.t(f"movies.reason.{reason}"))
            )
            return
        name = "".join(c if c.isalnum() or c in " .-_()[]" else "_" for c in result.name)[:120]
        await ctx.reply(File(filename=f"{name}.torrent", data=data, caption=result.name[:200]))

    # --- buttons ------------------------------------------------------------------

    async def on_open(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.show_title(ctx, _kind(payload.get("kind")), int(payload["id"]))

    async def on_torrents(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.find_torrents(
            ctx, tmdb_id=int(payload["id"]), kind=str(payload.get("kind")), show_card=False
        )

    async def on_similar(self, ctx: Context, payload: dict[str, Any]) -> None:
        try:
            title = await self.service.title(
                _kind(payload.get("kind")), int(payload["id"]), lang=ctx.lang
            )
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return
        hits: list[TitleHit] = list(title.recommendations[:8])
        if not hits:
            await ctx.reply(ctx.t("movies.similar.none", title=heading(title)))
            return
        await self.last.save(ctx.user.id, "titles", title.title, [hit_to_dict(h) for h in hits])
        await ctx.reply(
            await title_list(ctx, ctx.t("movies.similar.header", title=heading(title)), hits)
        )

    async def on_cast(self, ctx: Context, payload: dict[str, Any]) -> None:
        try:
            title = await self.service.title(
                _kind(payload.get("kind")), int(payload["id"]), lang=ctx.lang
            )
        except ExternalServiceError as exc:
            await self._metadata_failed(ctx, exc)
            return
        buttons = [
            await ctx.button(
                f"{c.name}" + (f" — {c.character}" if c.character else ""),
                "movies.person",
                {"id": c.tmdb_id},
            )
            for c in title.cast[:10]
        ]
        await ctx.reply(
            Text(
                ctx.t("movies.cast.header", title=heading(title)), buttons=rows(*buttons, per_row=2)
            )
        )

    async def on_person(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.show_person(ctx, tmdb_id=int(payload["id"]))

    async def on_magnet(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.send_magnet(ctx, payload)

    async def on_file(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.send_torrent_file(ctx, payload)

    async def on_more(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.more(ctx, int(payload.get("offset", 3)))

    # --- commands and deep links ----------------------------------------------------

    async def cmd_find(self, ctx: Context) -> None:
        from concierge.skills.movies.intents import parse_find

        args = ctx.inbound.args
        if not args:
            await ctx.reply(ctx.t("movies.find.usage"))
            return
        await self.find_torrents(ctx, **parse_find(args))

    async def link_movie(self, ctx: Context, rest: str) -> None:
        if rest.isdigit():
            await self.show_title(ctx, "movie", int(rest))

    async def link_tv(self, ctx: Context, rest: str) -> None:
        if rest.isdigit():
            await self.show_title(ctx, "tv", int(rest))

    async def link_person(self, ctx: Context, rest: str) -> None:
        if rest.isdigit():
            await self.show_person(ctx, tmdb_id=int(rest))


def _hit_summary(hit: TitleHit) -> str:
    original = f" / {hit.original_title}" if hit.original_title != hit.title else ""
    return f"{heading(hit)}{original} [{hit.kind} {hit.tmdb_id}]"


def _title_summary(title: Title) -> str:
    from concierge.skills.movies.render import ratings_line

    parts = [f"{heading(title)} [{title.kind} {title.tmdb_id}, imdb {title.imdb_id or '?'}]"]
    ratings = ratings_line(title)
    if ratings:
        parts.append(ratings)
    if title.directors:
        parts.append("by " + ", ".join(title.directors))
    return "; ".join(parts) + " — card sent"


def _outcome_summary(outcome: TorrentOutcome, found: Title | None, query: TorrentQuery) -> str:
    name = _title_summary(found) if found else f"{query.title!r} (no metadata match)"
    if not outcome.ranked:
        text = f"{name}. No torrents found"
    else:
        picks = "; ".join(
            f"{n}) {role}: {r.result.name[:80]} [{r.result.seeders} seeders, {r.result.tracker}]"
            for n, (role, r) in enumerate(outcome.picks.present(), 1)
        )
        text = f"{name}. {len(outcome.ranked)} torrents ranked, picks sent: {picks}"
    if outcome.failures:
        text += ". Not answered: " + ", ".join(f"{f.source} ({f.reason})" for f in outcome.failures)
    return text
