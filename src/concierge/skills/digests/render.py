"""Digests and the settings menu as core replies (Markdown subset, outside text escaped).

Every title, headline, name and model sentence goes through ``literal``; links are
kept only for http(s) URLs, with the characters that could end a Markdown link encoded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

from concierge.core.messages import Button, Text, literal, rows
from concierge.skills.digests.items import DigestItem
from concierge.skills.digests.store import Digest, Prefs
from concierge.skills.movies.genres import label_key

Translate = Callable[..., str]  # (key, **values) -> text in the user's language
MakeButton = Callable[[str, str, Mapping[str, Any]], Awaitable[Button]]

ICONS = {"match": "🎯", "series": "📺", "release": "🎬", "person": "⭐", "news": "📰"}
LESS = "digests.less"
UNSUBSCRIBE = "digests.unsubscribe"
SETTINGS = "digests.settings"
SET = "digests.set"
HOURS = (7, 8, 9, 12, 18, 21)
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def safe_url(url: str | None) -> str | None:
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return quote(url, safe=":/?#&=%+,;@!$'*~-._")  # no ( ) [ ] < > space or backslash


def _day(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}"


def item_line(t: Translate, item: DigestItem, today: date) -> str:
    name = literal(item.label())
    url = safe_url(item.url)
    head = f"[{name}]({url})" if url and item.section == "news" else f"*{name}*"
    if item.section in ("match", "series"):
        detail = t(f"digests.item.{item.section}", release=literal(item.note))
    elif item.section == "news":
        detail = literal(item.note) if item.note else ""
    else:
        if item.day is None:
            when = t("digests.item.playing")
        elif item.day > today:
            when = t("digests.item.opens", day=_day(item.day))
        else:
            when = t("digests.item.out", day=_day(item.day))
        detail = (
            t("digests.item.with", name=literal(item.facet_label), when=when)
            if item.section == "person"
            else when
        )
    return f"{ICONS[item.section]} {head}" + (f" — {detail}" if detail else "")


def plain_line(item: DigestItem) -> str:
    """An item as the language model reads it (no markup; it is escaped on the way out)."""
    parts = [item.section, item.label()]
    if item.facet_label and item.section == "person":
        parts.append(f"with {item.facet_label}")
    if item.day:
        parts.append(item.day.isoformat())
    if item.note:
        parts.append(item.note)
    return " | ".join(parts)


def facet_name(t: Translate, item: DigestItem) -> str:
    if item.facet and item.facet.startswith("genre:"):
        return t(label_key(item.facet_label))
    return item.facet_label


async def digest_reply(t: Translate, digest: Digest, today: date, button: MakeButton) -> Text:
    header = t(f"digests.header.{digest.kind}", day=digest.local_date)
    parts = [header]
    if not digest.items:
        parts.append(t("digests.empty"))
    else:
        if digest.summary:
            parts.append(literal(digest.summary))
        lines = [f"{n}. {item_line(t, item, today)}" for n, item in enumerate(digest.items, 1)]
        parts.append("\n".join(lines))
    if digest.problems:
        parts.append(t("digests.problems", sources=literal(", ".join(digest.problems))))
    less = [
        await button(
            f"👎 {n}",
            LESS,
            {
                "facet": item.facet,
                "label": facet_name(t, item),
                "source": f"{digest.kind}:{digest.local_date}:{n}",
            },
        )
        for n, item in enumerate(digest.items, 1)
        if item.facet
    ]
    if less:
        parts.append(t("digests.less_hint"))
    footer = [
        await button(t("digests.button.settings"), SETTINGS, {}),
        await button(t("digests.button.unsubscribe"), UNSUBSCRIBE, {}),
    ]
    return Text("\n\n".join(parts), buttons=(*rows(*less, per_row=5), tuple(footer)))


def prefs_text(t: Translate, prefs: Prefs, zone: str) -> str:
    hour = f"{prefs.hour:02d}:00"
    weekday = t(f"digests.weekday.{prefs.weekday}")
    if prefs.daily and prefs.weekly:
        state = t("digests.state.both", hour=hour, weekday=weekday, zone=zone)
    elif prefs.daily:
        state = t("digests.state.daily", hour=hour, zone=zone)
    elif prefs.weekly:
        state = t("digests.state.weekly", hour=hour, weekday=weekday, zone=zone)
    else:
        state = t("digests.state.off")
    quiet = prefs.quiet
    quiet_line = (
        t("digests.quiet.current", start=f"{quiet[0]:02d}:00", end=f"{quiet[1]:02d}:00")
        if quiet
        else t("digests.quiet.none")
    )
    return f"{state}\n{quiet_line}\n{t('digests.how')}"


async def prefs_reply(t: Translate, prefs: Prefs, zone: str, button: MakeButton) -> Text:
    modes = [
        await button(t(f"digests.mode.{mode}"), SET, {"mode": mode})
        for mode in ("daily", "weekly", "both", "off")
    ]
    hours = [await button(f"{h:02d}:00", SET, {"hour": h}) for h in HOURS]
    days = [await button(t(f"digests.weekday.{d}"), SET, {"weekday": d}) for d in WEEKDAYS]
    now = await button(t("digests.button.now"), SET, {"now": True})
    return Text(
        prefs_text(t, prefs, zone),
        buttons=(
            *rows(*modes, per_row=4),
            *rows(*hours, per_row=6),
            *rows(*days, per_row=7),
            (now,),
        ),
    )
