"""What the user reads: the profile, and the export as Markdown."""

from __future__ import annotations

from typing import Any

from concierge.core.messages import literal
from concierge.core.skill import Context
from concierge.skills.memory.blocks import LIMITS
from concierge.skills.memory.onboarding import quality_label
from concierge.skills.memory.profile import Profile
from concierge.skills.movies.genres import label_key


def profile_text(
    ctx: Context,
    profile: Profile,
    counts: dict[str, int],
    blocks: dict[str, str],
    notes: int,
) -> str:
    none = ctx.t("memory.profile.unset")
    genres = ", ".join(ctx.t(label_key(g)) for g in profile.genres) or none
    size = ctx.t("memory.size.gb", gb=profile.max_size_gb) if profile.max_size_gb else none
    lines = [
        ctx.t("memory.profile.header"),
        ctx.t("memory.profile.language", value=ctx.user.language or ctx.t("memory.profile.auto")),
        ctx.t(
            "memory.profile.timezone",
            value=ctx.user.timezone or ctx.t("memory.profile.default_zone"),
        ),
        ctx.t(
            "memory.profile.quality",
            value=quality_label(profile.quality) if profile.quality else none,
        ),
        ctx.t(
            "memory.profile.audio",
            value=ctx.t(f"memory.audio.{profile.audio}") if profile.audio else none,
        ),
        ctx.t("memory.profile.size", value=size),
        ctx.t("memory.profile.genres", value=genres),
        ctx.t(
            "memory.profile.lists",
            watchlist=counts.get("watchlist", 0),
            watched=counts.get("watched", 0),
            rated=counts.get("rated", 0),
            blocked=counts.get("blocked", 0),
        ),
        ctx.t("memory.profile.accounts", value=profile.letterboxd or none),
        "",
        ctx.t("memory.profile.memory", notes=notes),
    ]
    if not blocks:
        lines.append(ctx.t("memory.profile.memory_empty"))
    for name, content in blocks.items():
        lines.append(f"• {name} ({len(content)}/{LIMITS[name]}): {literal(content[:160])}")
    return "\n".join(lines)


def export_markdown(data: dict[str, Any]) -> str:
    """The export as a readable document (the JSON file holds the same, complete)."""
    out = ["# Concierge: your data", ""]
    user = data["user"]
    out += [f"- {k}: {v}" for k, v in user.items() if v is not None]
    out += ["", "## Profile", ""]
    out += [f"- {k}: {v}" for k, v in data["profile"].items() if v not in (None, [], "")]
    out += ["", "## Memory", ""]
    for name, content in data["memory"].items():
        out += [f"### {name}", "", content, ""]
    out += ["## Notes", ""]
    out += [f"- {n['created_at'][:10]}: {n['text']}" for n in data["notes"]]
    for name, entries in data["lists"].items():
        out += ["", f"## {name.capitalize()} ({len(entries)})", ""]
        for e in entries:
            extra = [f"★ {e['rating']}/10" if e["rating"] else "", e["watched_on"] or ""]
            tail = " · ".join(x for x in extra if x)
            year = f" ({e['year']})" if e["year"] else ""
            out.append(f"- {e['title']}{year}" + (f" — {tail}" if tail else ""))
    out += ["", f"## Conversation history ({len(data['history'])} messages)", ""]
    out.append("The JSON file holds every message.")
    return "\n".join(out) + "\n"
