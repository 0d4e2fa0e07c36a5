"""/client (/seedbox), /downloads, /library and their buttons: thin over the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from concierge.core.access import Role
from concierge.core.messages import Button, File, Text, literal, rows
from concierge.core.skill import Context
from concierge.core.torrents import InvalidTorrent
from concierge.core.urlguard import UnsafeURL
from concierge.skills.downloads.client_url import (
    CLIENT_KINDS,
    ClientConfig,
    InvalidClientURL,
    normalize_http_url,
    parse_kind,
)
from concierge.skills.downloads.failures import CLIENT_SETUP, CONTROL, SEND
from concierge.skills.downloads.library import LibraryIndex, LibraryKind
from concierge.skills.downloads.ports import TorrentClientError
from concierge.skills.downloads.render import download_item, library_line, library_payload
from concierge.skills.downloads.service import DownloadService, DownloadView, NoClientConfigured

log = structlog.get_logger(__name__)

KIND_LABELS = {"transmission": "Transmission", "qbittorrent": "qBittorrent", "deluge": "Deluge"}
LIBRARY_PAGE = 8
FETCH_TIMEOUT = 15.0  # seconds for a .torrent that is the only way to add the result
FALLBACK_FETCH_TIMEOUT = 6.0  # when a magnet can be sent instead


@dataclass(frozen=True, slots=True)
class DownloadList:
    """What /downloads showed: the downloads, and why live figures are missing if they are."""

    views: list[DownloadView]
    unavailable: str | None  # the client's error when it could not be asked


class DownloadCommands:
    def __init__(self, service: DownloadService, library: LibraryIndex) -> None:
        self._service = service
        self._library = library

    # --- /client ------------------------------------------------------------------

    async def client(self, ctx: Context) -> None:
        seedbox = ctx.inbound.command == "seedbox"
        own = await self._service.own_client(ctx.user.id)
        if own is not None:
            await ctx.reply(ctx.t("downloads.client.current", client=own.config.redacted()))
        elif self._service.may_use_global(ctx.user) and self._service.policy.global_client:
            kind = KIND_LABELS[self._service.policy.global_client.kind]
            await ctx.reply(ctx.t("downloads.client.current_global", kind=kind))
        else:
            await ctx.reply(ctx.t("downloads.client.none"))
        buttons = [
            await ctx.button(
                KIND_LABELS[k], "downloads.client.kind", {"kind": k, "seedbox": seedbox}
            )
            for k in CLIENT_KINDS
        ]
        if own is not None:
            buttons.append(
                await ctx.button(ctx.t("downloads.client.forget"), "downloads.client.forget")
            )
        await ctx.reply(Text(ctx.t("downloads.client.ask_kind"), buttons=rows(*buttons, per_row=3)))

    async def choose_kind(self, ctx: Context, payload: dict[str, Any]) -> None:
        kind = parse_kind(str(payload.get("kind", "")))
        await ctx.ask(
            "downloads.client.url", {"kind": kind, "seedbox": bool(payload.get("seedbox"))}
        )
        await ctx.reply(ctx.t("downloads.client.ask_url"))

    async def answer_url(self, ctx: Context, payload: dict[str, Any]) -> None:
        kind = parse_kind(str(payload["kind"]))
        try:
            url = normalize_http_url(kind, str(payload["text"]))
        except InvalidClientURL as exc:
            await ctx.ask("downloads.client.url", _keep(payload))  # the next message retries
            await ctx.reply(ctx.t("downloads.client.invalid_url", reason=str(exc)))
            return
        await ctx.ask("downloads.client.username", {**_keep(payload), "url": url})
        await ctx.reply(ctx.t("downloads.client.ask_username"))

    async def answer_username(self, ctx: Context, payload: dict[str, Any]) -> None:
        username = str(payload["text"]).strip()
        username = "" if username == "-" else username[:200]
        await ctx.ask("downloads.client.password", {**_keep(payload), "username": username})
        await ctx.reply(ctx.t("downloads.client.ask_password"))

    async def answer_password(self, ctx: Context, payload: dict[str, Any]) -> None:
        password = str(payload["text"]).strip()
        if password == "-":  # noqa: S105 - the "no password" answer
            password = ""
        await _delete_message(ctx, payload.get("message_id"))
        kind = parse_kind(str(payload["kind"]))
        config = ClientConfig(kind, str(payload["url"]), str(payload.get("username", "")), password)
        await ctx.reply(ctx.t("downloads.client.testing"))
        seedbox = bool(payload.get("seedbox"))
        try:
            version = await self._service.save_client(ctx.user, config, seedbox=seedbox)
        except UnsafeURL as exc:
            log.info("client_url_refused", user=ctx.user.key, refusal=exc.refusal.value)
            await ctx.reply(ctx.t(f"downloads.unsafe.{exc.refusal.value}"))
            return
        except CLIENT_SETUP.errors as exc:
            await ctx.reply(CLIENT_SETUP.text(ctx, exc, kind=KIND_LABELS[kind]))
            return
        key = "downloads.client.saved_seedbox" if seedbox else "downloads.client.saved"
        await ctx.reply(ctx.t(key, version=version))

    async def forget(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self._service.forget_client(ctx.user)
        await ctx.reply(ctx.t("downloads.client.forgotten"))

    # --- Send to my client ----------------------------------------------------------

    async def send(self, ctx: Context, payload: dict[str, Any]) -> None:
        name = str(payload.get("name") or "")
        magnet = payload.get("magnet") or None
        torrent_url = payload.get("torrent_url") or None
        if await self._service.client_for(ctx.user) is None:
            await self._without_client(ctx, name, magnet, torrent_url)
            return
        try:
            torrent = await self._torrent_file(ctx, torrent_url, magnet)
            added = await self._service.send(
                ctx.user, ctx.inbound.chat.key, magnet=magnet, torrent=torrent, name=name
            )
        except NoClientConfigured:
            await self._without_client(ctx, name, magnet, torrent_url)
            return
        except SEND.errors as exc:
            await ctx.reply(SEND.text(ctx, exc))
            return
        await ctx.reply(ctx.t("downloads.send.added", name=literal(added.name)))

    async def _torrent_file(self, ctx: Context, url: object, magnet: object) -> bytes | None:
        """The result's .torrent, preferred over its magnet: it carries the metadata and the
        tracker (with a private tracker's passkey), while a magnet built from a bare hash
        can't start a private torrent at all. The magnet is the fallback."""
        if not url:
            return None
        timeout = FALLBACK_FETCH_TIMEOUT if magnet else FETCH_TIMEOUT
        try:
            return await self._service.fetch_torrent(str(url), ctx.user, timeout=timeout)
        except (InvalidTorrent, UnsafeURL) as exc:
            if not magnet:
                raise
            log.info("torrent_file_unavailable_sending_magnet", user=ctx.user.key, reason=str(exc))
            return None

    async def _without_client(
        self, ctx: Context, name: str, magnet: object, torrent_url: object
    ) -> None:
        if magnet:
            await ctx.reply(
                ctx.t("downloads.send.no_client", name=literal(name), magnet=str(magnet))
            )
        if torrent_url:
            try:
                data = await self._service.fetch_torrent(str(torrent_url), ctx.user)
            except (InvalidTorrent, UnsafeURL) as exc:
                log.warning("torrent_fetch_failed", reason=str(exc))
                if not magnet:
                    await ctx.reply(ctx.t("downloads.send.invalid"))
                return
            filename = _safe_filename(name) + ".torrent"
            caption = ctx.t("downloads.send.no_client_file", name=literal(name))
            await ctx.reply(File.from_bytes(filename, data, caption=caption))
        elif not magnet:
            await ctx.reply(ctx.t("downloads.send.invalid"))

    # --- /downloads -------------------------------------------------------------------

    async def downloads(self, ctx: Context) -> None:
        await self.show_downloads(ctx)

    async def show_downloads(self, ctx: Context) -> DownloadList:
        """The /downloads view, sent to the user; also what the agent's tool summarizes."""
        try:
            views = await self._service.views_for(ctx.user)
            unavailable = None
        except TorrentClientError as exc:
            unavailable = str(exc)
            await ctx.reply(ctx.t("downloads.list.unavailable", reason=unavailable))
            rows_ = await self._service.rows_for(ctx.user.id)
            views = [DownloadView(r.id, r.name, r.info_hash, r.status, None) for r in rows_]
        if not views:
            await ctx.reply(ctx.t("downloads.list.empty"))
        else:
            await ctx.reply(ctx.t("downloads.list.header"))
            for view in views:
                await ctx.reply(await download_item(ctx, view))
        return DownloadList(views, unavailable)

    async def control(self, ctx: Context, payload: dict[str, Any]) -> None:
        await self.control_download(ctx, int(payload["id"]), str(payload.get("action")))

    async def control_download(self, ctx: Context, download_id: int, action: str) -> str:
        """Pause/resume/remove one of the user's downloads; tells the user, returns the text."""
        try:
            row = await self._service.control(ctx.user, download_id, action)
        except CONTROL.errors as exc:
            text = CONTROL.text(ctx, exc)
        else:
            text = ctx.t(f"downloads.control.{action}", name=literal(row.name))
        await ctx.reply(text)
        return text

    # --- /library -----------------------------------------------------------------------

    def may_see_library(self, ctx: Context) -> bool:
        user = ctx.user
        return (
            user.role is Role.OWNER
            or (user.platform, user.platform_id) in self._service.policy.global_users
        )

    async def library(self, ctx: Context) -> None:
        await self._library_page(ctx, None, ctx.inbound.args, 0)

    async def library_button(self, ctx: Context, payload: dict[str, Any]) -> None:
        kind = payload.get("kind")
        page = int(payload.get("page", 0))
        await self._library_page(
            ctx, kind if kind in ("movie", "series") else None, str(payload.get("query", "")), page
        )

    async def _library_page(
        self, ctx: Context, kind: LibraryKind | None, query: str, page: int
    ) -> None:
        if not self.may_see_library(ctx):
            await ctx.reply(ctx.t("library.not_allowed"))
            return
        found = await self._library.browse(kind=kind, query=query, page=page, per_page=LIBRARY_PAGE)
        if found.total == 0:
            key = "library.nothing_found" if query or kind else "library.empty"
            await ctx.reply(ctx.t(key, query=literal(query)))
            return
        what = {None: ctx.t("library.all"), "movie": ctx.t("library.films"),
                "series": ctx.t("library.series")}[kind]  # fmt: skip
        header = ctx.t(
            "library.header", what=what, total=found.total, page=found.page + 1, pages=found.pages
        )
        lines = "\n".join(library_line(ctx, item) for item in found.items)
        nav: list[Button | None] = [
            await ctx.button(ctx.t("library.prev"), "downloads.library",
                             library_payload(kind, query, found.page - 1))
            if found.page > 0 else None,
            await ctx.button(ctx.t("library.next"), "downloads.library",
                             library_payload(kind, query, found.page + 1))
            if found.page + 1 < found.pages else None,
        ]  # fmt: skip
        kinds = [
            await ctx.button(ctx.t("library.films"), "downloads.library",
                             library_payload("movie", query, 0)),
            await ctx.button(ctx.t("library.series"), "downloads.library",
                             library_payload("series", query, 0)),
        ]  # fmt: skip
        buttons = (*rows(*nav, per_row=2), *rows(*kinds, per_row=2))
        await ctx.reply(Text(f"{header}\n{lines}", buttons=tuple(r for r in buttons if r)))


def _keep(payload: dict[str, Any]) -> dict[str, Any]:
    """The wizard's answers so far, without the message that just came in."""
    return {k: v for k, v in payload.items() if k not in ("text", "message_id")}


def _safe_filename(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in " .-_()[]" else "_" for c in name).strip()
    return cleaned[:100] or "download"


async def _delete_message(ctx: Context, message_id: object) -> None:
    """Remove the user's password message; where the chat can't, ask them to do it."""
    if not isinstance(message_id, int):
        return
    if not await ctx.outbox.delete(message_id):
        log.info("password_message_not_deleted", user=ctx.user.key)
        await ctx.reply(ctx.t("downloads.client.password_not_deleted"))
