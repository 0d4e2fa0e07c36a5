"""Title cards say "📚 In your library" when the NAS index (downloads' LibraryIndex) has it."""

from __future__ import annotations

import pytest

from concierge.core.skill import Skill
from concierge.skills.downloads.library import LibraryIndex, LibraryItem
from tests.skills.movies.harness import MoviesWorld
from tests.support.outbox import RecordingOutbox

MARK_EN = "📚 In your library"
MARK_RU = "📚 Есть в вашей библиотеке"


@pytest.fixture
def skill(world: MoviesWorld) -> Skill:
    """The movies skill as bootstrap builds it, with the real library index."""
    return next(s for s in world.app.registry.skills if s.name == "movies")


async def nas_has(world: MoviesWorld, *items: LibraryItem) -> None:
    await LibraryIndex(world.db).replace(list(items))


async def open_card(world: MoviesWorld, skill: Skill, language: str) -> str:
    outbox = RecordingOutbox()
    await skill.deep_links["m_"](await world.context("/start m_693134", outbox, language), "693134")
    return outbox.all_text()


async def find(world: MoviesWorld, skill: Skill, text: str) -> str:
    outbox = RecordingOutbox()
    command = next(c for c in skill.commands if c.name == "find")
    await command.handler(await world.context(text, outbox))
    return outbox.all_text()


async def test_card_marks_a_film_the_nas_has(world: MoviesWorld, skill: Skill) -> None:
    await nas_has(world, LibraryItem("movie", "Dune: Part Two", 2024, "/films/Dune Part Two"))
    out = await find(world, skill, "/find Dune Part Two 2160p")
    card = out.split("Best picks")[0]
    assert "Dune: Part Two (2024)" in card
    assert MARK_EN in card


async def test_russian_card_matches_the_original_title(world: MoviesWorld, skill: Skill) -> None:
    # The NAS names files after the original title; the Russian card is "Дюна: Часть вторая".
    await nas_has(world, LibraryItem("movie", "Dune Part Two", 2024, "/films/Dune.Part.Two.2024"))
    out = await open_card(world, skill, "ru")
    assert "Дюна: Часть вторая (2024)" in out
    assert MARK_RU in out


async def test_no_mark_for_other_films_or_another_year(world: MoviesWorld, skill: Skill) -> None:
    await nas_has(
        world,
        LibraryItem("movie", "Dune", 2021),
        LibraryItem("movie", "Dune: Part Two", 2021),  # a different film of the same name
    )
    out = await open_card(world, skill, "en")
    assert "Dune: Part Two (2024)" in out
    assert MARK_EN not in out


async def test_empty_library_marks_nothing(world: MoviesWorld, skill: Skill) -> None:
    out = await open_card(world, skill, "en")
    assert "Dune: Part Two (2024)" in out and MARK_EN not in out
