"""What the user sees: the flows behind commands, buttons, deep links and tools.

Each flow sends its cards through ``ctx`` and returns a short summary for the
model (ids and a few fields, never raw JSON). Title cards come from
title_flows.py; this module adds the torrent side: search, picks, delivery.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from concierge.adapters.errors import ExternalServiceError
from concierge.core.messages import File, Text, rows
from concierge.core.skill import Context
from concierge.skills.movies.domain import Title, TorrentQuery
from concierge.skills.movies.ranking import (
    Preferences,
    RankedTorrent,
    parse_off_loop,
    parse_quality,
)
from concierge.skills.movies.render import (
    MORE,
    CardButtonFactory,
    TorrentButtonFactory,
    failures_text,
    heading,
    torrent_card,
)
from concierge.skills.movies.service import MoviesService, TorrentOutcome
from concierge.skills.movies.store import (
    LastResults,
    hit_from_dict,
    torrent_from_dict,
    torrent_to_dict,
)
from concierge.skills.movies.title_flows import TitleFlows, media_kind, title_summary

log = structlog.get_logger(__name__)

PreferencesFor = Callable[[Context], Awaitable[Preferences]]
PAGE = 5
LIST_LIMIT = 30


async def default_preferences(ctx: Context) -> Preferences:
    """Without a stored profile: 1080p, Russian voice-over for Russian speakers."""
    return Preferences(quality=1080, audio_language="ru" if ctx.lang == "ru" else "en")


class MoviesFlows(TitleFlows):
    """The title flows plus torrents: search, ranked picks, more, pick by number, delivery."""

    def __init__(
        self,
        service: MoviesService,
        last: LastResults,
        *,
        preferences: PreferencesFor = default_preferences,
        torrent_buttons: Sequence[TorrentButtonFactory] = (),
        card_buttons: Sequence[CardButtonFactory] = (),
    ) -> None:
        super().__init__(service, last, card_buttons)
        self.preferences = preferences
        self.torrent_buttons = list(torrent_buttons)

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
                found = await self.service.title(media_kind(kind), tmdb_id, lang=ctx.lang)
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
                kind=media_kind(kind) if kind else None,
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
            ranked = RankedTorrent(result, await parse_off_loop(result.name), 0.0)
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
        ranked = RankedTorrent(result, await parse_off_loop(result.name), 0.0)
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
        await ctx.reply(File.from_bytes(f"{name}.torrent", data, caption=result.name[:200]))

    # --- buttons ------------------------------------------------------------------

    async def on_torrents(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.find_torrents(
            ctx, tmdb_id=int(payload["id"]), kind=str(payload.get("kind")), show_card=False
        )

    async def on_magnet(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.send_magnet(ctx, payload)

    async def on_file(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.send_torrent_file(ctx, payload)

    async def on_more(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.more(ctx, int(payload.get("offset", 3)))

    # --- commands -----------------------------------------------------------------

    async def cmd_find(self, ctx: Context) -> None:
        from concierge.skills.movies.intents import parse_find

        args = ctx.inbound.args
        if not args:
            await ctx.reply(ctx.t("movies.find.usage"))
            return
        await self.find_torrents(ctx, **parse_find(args))


def _outcome_summary(outcome: TorrentOutcome, found: Title | None, query: TorrentQuery) -> str:
    name = title_summary(found) if found else f"{query.title!r} (no metadata match)"
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
