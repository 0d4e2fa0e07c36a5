"""Registry.menu: what a platform's shared command menu shows to whom."""

from __future__ import annotations

from concierge.core.access import Role
from concierge.core.registry import Registry
from concierge.core.skill import FREE_TEXT, Arg, Command, Context, Skill


async def _noop(ctx: Context) -> None:
    return None


def test_menus_leave_out_what_a_role_may_not_use_and_commands_shown_only_to_some() -> None:
    commands = [
        Command("find", "help.help", _noop),
        Command("library", "help.help", _noop, shown_to=lambda ctx: ctx.user.role is Role.OWNER),
        Command("stats", "help.help", _noop, min_role=Role.ADMIN),
    ]
    registry = Registry([Skill(name="s", commands=commands)])
    assert [c.name for c in registry.menu(Role.USER)] == ["find"]
    assert [c.name for c in registry.menu(Role.ADMIN)] == ["find", "stats"]
    assert [c.name for c in registry.menu(Role.OWNER)] == ["find", "library", "stats"]


def test_a_command_without_a_schema_takes_one_optional_free_text_argument() -> None:
    plain = Command("find", "help.help", _noop)
    typed = Command("find", "help.help", _noop, args=(Arg("title", "help.help", required=True),))
    assert plain.arguments == FREE_TEXT and not FREE_TEXT[0].required
    assert [a.name for a in typed.arguments] == ["title"]
