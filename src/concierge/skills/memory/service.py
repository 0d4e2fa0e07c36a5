"""The memory skill's logic: the agent's per-user instructions and the learnings refresh.

The instructions are rebuilt on every agent run from the stored blocks, so what
the agent wrote in one run is in front of it in the next, on any replica.
"""

from __future__ import annotations

from concierge.core.skill import Context
from concierge.skills.memory.blocks import LIMITS, MemoryBlocks
from concierge.skills.memory.learnings import derive, due
from concierge.skills.memory.notes import Notes
from concierge.skills.memory.onboarding import quality_label
from concierge.skills.memory.profile import ProfileStore
from concierge.skills.movies.lists import TitleLists

GUIDE = (
    "Long-term memory about this user. The core blocks below are always shown to you; "
    "when you learn something durable (a preference, a fact, how they like answers) "
    "save it with memory_write into the right block, briefly. Use note_add for details "
    "worth keeping that need not be in every prompt, and note_search to recall them."
)


class MemoryService:
    def __init__(
        self, profiles: ProfileStore, blocks: MemoryBlocks, notes: Notes, lists: TitleLists
    ) -> None:
        self.profiles = profiles
        self.blocks = blocks
        self.notes = notes
        self.lists = lists

    async def refresh_learnings(self, user_id: int) -> bool:
        """Rewrite the learnings block when another 10 titles were watched since the last."""
        counts = await self.lists.counts(user_id)
        profile = await self.profiles.get(user_id)
        if not due(counts["watched"], profile.learned_at):
            return False
        watched = await self.lists.entries(user_id, ("watched",))
        await self.blocks.write(user_id, "learnings", derive(watched), replace=True)
        await self.profiles.update(user_id, learned_at=counts["watched"])
        return True

    async def instructions(self, ctx: Context) -> str:
        await self.refresh_learnings(ctx.user.id)
        profile = await self.profiles.get(ctx.user.id)
        stored = await self.blocks.all(ctx.user.id)
        lines = [GUIDE, f"Reply language now: {ctx.lang}."]
        facts = []
        if profile.quality:
            facts.append(f"quality {quality_label(profile.quality)}")
        if profile.audio:
            facts.append(f"audio {profile.audio}")
        if profile.genres:
            facts.append("favourite genres " + ", ".join(profile.genres))
        if facts:
            lines.append("Profile: " + "; ".join(facts) + ".")
        for name, limit in LIMITS.items():
            content = stored.get(name, "")
            lines.append(f'<block name="{name}" chars="{len(content)}/{limit}">')
            lines.append(content)
            lines.append("</block>")
        return "\n".join(lines)
