"""Agent tools as the model sees them: short summaries back (cards go to the user),
and no tool lets the model say whose account to act for."""

from __future__ import annotations

import json
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.models.test import TestModel
from pydantic_ai.usage import RunUsage

from tests.skills.movies.harness import MoviesWorld
from tests.support.outbox import RecordingOutbox

MOVIE_TOOLS = {"search_titles", "title_details", "person", "search_torrents", "pick_result"}
# Fields that would let a prompt act for someone else: identity comes from the chat only.
IDENTITY_FIELDS = {"user", "user_id", "chat", "chat_id", "owner", "owner_id", "userid", "uid"}
SUMMARY_LIMIT = 1200
OVERVIEW = "Follow the mythic journey of Paul Atreides"  # on the card, not in the summary


async def call(world: MoviesWorld, tool_name: str, **args: Any) -> tuple[str, RecordingOutbox]:
    """Run one registered tool as the agent would; its return and what the user got."""
    tool = next(t for t in world.app.registry.tools if t.name == tool_name)
    outbox = RecordingOutbox()
    ctx = await world.context(f"{tool_name} {args}", outbox)
    run = RunContext(deps=ctx, model=TestModel(), usage=RunUsage())
    result = await tool.function(run, **args)
    assert isinstance(result, str), f"{tool_name} returned {type(result).__name__}"
    return result, outbox


def assert_compact(summary: str) -> None:
    assert 0 < len(summary) <= SUMMARY_LIMIT, len(summary)
    assert OVERVIEW not in summary
    assert not summary.lstrip().startswith(("{", "["))
    for raw in ('"info_hash"', '"tmdb_id"', "'tmdb_id'", '"results"', "poster_path", "http"):
        assert raw not in summary, raw
    try:
        json.loads(summary)
    except ValueError:
        return
    raise AssertionError(f"a JSON dump went back to the model: {summary[:80]}")


async def test_every_movies_tool_answers_with_a_short_summary_and_ids(
    world: MoviesWorld,
) -> None:
    assert {t.name for t in world.app.registry.tools} >= MOVIE_TOOLS

    titles, shown = await call(world, "search_titles", query="Dune Part Two")
    assert "Dune: Part Two (2024) [movie 693134]" in titles
    assert "Dune: Part Two" in shown.all_text()

    card, shown = await call(world, "title_details", tmdb_id=693134)
    assert card.startswith("Dune: Part Two (2024) [movie 693134, imdb tt15239678]")
    assert OVERVIEW in shown.all_text()  # the user got the whole card

    person, _ = await call(world, "person", name="Timothée Chalamet")
    assert person.startswith("Timothée Chalamet (person 1190668)")
    assert "[movie 693134]" in person

    torrents, shown = await call(world, "search_torrents", title="Dune Part Two", quality="2160p")
    assert "1) recommended:" in torrents and "seeders" in torrents
    assert "magnet:?" not in torrents  # magnets go to the user, not the model
    assert "🧲 Magnet" in [b.label for b in shown.buttons()]

    picked, shown = await call(world, "pick_result", number=2)
    assert picked.startswith("sent #2: ")
    assert "magnet:?xt=urn:btih:" in shown.all_text()

    out_of_range, _ = await call(world, "pick_result", number=99)
    assert out_of_range.startswith("pick a number from 1 to ")

    for summary in (titles, card, person, torrents, picked, out_of_range):
        assert_compact(summary)


def _property_names(schema: object) -> set[str]:
    """Every property name anywhere in a JSON schema (nested objects, $defs, anyOf…)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            found.update(str(name).lower() for name in properties)
        for value in schema.values():
            found |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _property_names(value)
    return found


async def test_no_tool_in_the_app_takes_a_user_chat_or_owner_argument(
    world: MoviesWorld,
) -> None:
    """Registry-wide, over the application ``bootstrap.build_app`` wires."""
    tools = world.app.registry.tools
    assert {t.name for t in tools} >= MOVIE_TOOLS
    offenders = {
        tool.name: sorted(_property_names(tool.tool_def.parameters_json_schema) & IDENTITY_FIELDS)
        for tool in tools
    }
    assert {name: fields for name, fields in offenders.items() if fields} == {}
