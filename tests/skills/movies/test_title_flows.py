"""Title cards end to end through the real app: people, Similar, Cast, Find torrents,
and the /start deep links, as a person on the console sees them."""

from __future__ import annotations

from concierge.frontends.console.chat import CONSOLE_USER_ID, PLATFORM
from tests.skills.movies.harness import MoviesWorld
from tests.support.app import Person
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import TMDB
from tests.support.outbox import RecordingOutbox

DUNE_CARD = "Dune: Part Two (2024)"


def owner(world: MoviesWorld, lang: str = "en") -> Person:
    return Person(world.app, CONSOLE_USER_ID, name="tester", lang=lang, platform=PLATFORM)


async def dune_card(person: Person) -> RecordingOutbox:
    out = await person.say("/start m_693134")
    assert out.texts()[0].startswith(DUNE_CARD)
    return out


async def press(person: Person, label: str) -> str:
    """Press the latest button called ``label``; the text that came back."""
    button = person.outbox.button(label)
    person.outbox.clear()
    return (await person.press(button.id)).all_text()


async def test_who_is_shows_the_person_card_with_known_for_buttons(
    world: MoviesWorld, server: FixtureServer
) -> None:
    me = owner(world)
    out = (await me.say("who is Timothée Chalamet")).all_text()
    assert "Timothée Chalamet" in out
    assert "Born 1995-12-27, New York City, New York, USA" in out
    assert "American and French actor" in out
    assert "Known for:" in out
    labels = [b.label for b in me.outbox.buttons()]
    assert labels[:2] == ["Dune: Part Two (2024)", "Dune (2021)"]  # most popular first
    assert server.hits_for(f"{TMDB}/search/person")[-1].query["query"] == "Timothée Chalamet"
    opened = await press(me, "Dune: Part Two (2024)")
    assert opened.startswith(DUNE_CARD) and "Director: Denis Villeneuve" in opened


async def test_kto_takoy_in_russian_shows_the_card_in_russian(
    world: MoviesWorld, server: FixtureServer
) -> None:
    me = owner(world, "ru")
    out = (await me.say("кто такой Тимоти Шаламе")).all_text()
    searched = server.hits_for(f"{TMDB}/search/person")[-1].query
    assert (searched["query"], searched["language"]) == ("Тимоти Шаламе", "ru-RU")
    assert "Timothée Chalamet" in out
    assert "Родился(-ась) 1995-12-27" in out
    assert "американский и французский актёр" in out
    assert "Известен(-на) по:" in out
    assert [b.label for b in me.outbox.buttons()][:2] == [
        "Дюна: Часть вторая (2024)",
        "Дюна (2021)",
    ]


async def test_cast_button_lists_actors_and_opens_their_card(world: MoviesWorld) -> None:
    me = owner(world)
    await dune_card(me)
    cast = await press(me, "🎭 Cast")
    assert cast == f"Cast of {DUNE_CARD}:"
    labels = [b.label for b in me.outbox.buttons()]
    assert labels[:2] == ["Timothée Chalamet — Paul Atreides", "Zendaya — Chani"]
    card = await press(me, "Timothée Chalamet — Paul Atreides")
    assert card.startswith("Timothée Chalamet\n") and "Known for:" in card


async def test_similar_button_lists_recommendations_to_pick_from(world: MoviesWorld) -> None:
    me = owner(world)
    await dune_card(me)
    similar = await press(me, "🎞 Similar")
    assert similar.splitlines() == [f"Similar to {DUNE_CARD}:", "1. Dune (2021) — film · ⭐ 7.8"]
    assert [b.label for b in me.outbox.buttons()] == ["1. Dune"]


async def test_find_torrents_button_shows_picks_without_repeating_the_card(
    world: MoviesWorld,
) -> None:
    me = owner(world)
    await dune_card(me)
    shown = await press(me, "🔎 Find torrents")
    assert shown.startswith(f"Torrents for {DUNE_CARD}:")
    assert "Director:" not in shown  # the card is already above
    for role in ("1. Recommended", "2. Fastest", "3. Smallest"):
        assert role in shown
    assert "🧲 Magnet" in [b.label for b in me.outbox.buttons()]


async def test_soundtrack_is_never_offered_as_a_pick(world: MoviesWorld) -> None:
    """Regression: "3. Smallest" was "(Soundtrack) … MP3, 320 kbps" from RuTracker."""
    me = owner(world)
    await dune_card(me)
    shown = await press(me, "🔎 Find torrents")
    smallest = shown.split("3. Smallest: ")[1].splitlines()
    assert smallest[0] == "1080p, 9.9 GB"
    assert "Soundtrack" not in shown and "MP3" not in shown and "kbps" not in shown
    assert "Torrents for Dune: Part Two (2024): 10 suitable" in shown


async def test_tv_deep_link_opens_the_series_card(world: MoviesWorld) -> None:
    out = (await owner(world).say("/start t_95396")).all_text()
    assert out.startswith("Severance (2022)\n")
    assert "Created by: Dan Erickson" in out
    assert "2 seasons" in out


async def test_person_deep_link_opens_the_person_card(world: MoviesWorld) -> None:
    out = (await owner(world).say("/start p_1190668")).all_text()
    assert out.startswith("Timothée Chalamet\n") and "Known for:" in out


async def test_mangled_deep_link_says_so_without_asking_tmdb(
    world: MoviesWorld, server: FixtureServer
) -> None:
    calls = len(server.hits)
    out = (await owner(world).say("/start t_95396x")).all_text()
    ru = (await owner(world, "ru").say("/start p_")).texts()[-1]
    assert out == "This link does not lead to a film, series or person I know. Try /find instead."
    assert ru.startswith("Эта ссылка не ведёт")
    assert len(server.hits) == calls
