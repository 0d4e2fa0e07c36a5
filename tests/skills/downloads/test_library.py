"""/library through the real app: pages, films/series, search, and who may see it.

The index arrives the way the NAS companion sends it: a POST to the skill's sync route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from concierge.bootstrap import App
from concierge.core.messages import Text, literal
from concierge.skills.downloads.library import LibraryItem
from tests.skills.downloads.support import Downloads
from tests.support.app import Person, running_app

KEY = "nas-key-for-the-library"
PHISHING_TITLE = "[FREE 4K](https://phish.example) *Now*"
FILMS = [{"kind": "movie", "title": f"Film {n:02d}", "year": 2000 + n} for n in range(1, 12)] + [
    {"kind": "movie", "title": "The Matrix", "year": 1999},
    {"kind": "movie", "title": PHISHING_TITLE, "year": 2024},
]
SERIES = [{"kind": "series", "title": f"Show {n:02d}", "episodes": n} for n in range(1, 8)] + [
    {"kind": "series", "title": "Dark", "year": 2017, "episodes": 26},
]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """No torrent client at all: /library needs only the index and the allow list."""
    async with running_app(
        tmp_path, access_mode="open", sync_api_key=KEY, torrent_client_users=["telegram:20"]
    ) as built:
        yield built


async def push_index(app: App, items: list[dict[str, Any]]) -> None:
    """What ``concierge nas-sync`` does at the end of a pass."""
    skill = next(s for s in app.registry.skills if s.name == "downloads")
    transport = httpx.ASGITransport(app=Starlette(routes=list(skill.routes)))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        response = await http.post(
            "/api/sync/library-index",
            headers={"Authorization": f"Bearer {KEY}"},
            json={"items": items},
        )
    assert response.json() == {"stored": len(items)}


async def person(app: App, platform_id: int) -> Person:
    who = Person(app, platform_id)
    await who.say("/start")
    who.outbox.clear()
    return who


def last(who: Person) -> Text:
    reply = who.outbox.sent[-1]
    assert isinstance(reply, Text)
    return reply


def shown(who: Person) -> list[str]:
    """The last reply's lines as the user reads them."""
    return who.outbox.texts()[-1].split("\n")


def labels(who: Person) -> list[list[str]]:
    return [[b.label for b in row] for row in last(who).buttons]


async def press(who: Person, label: str) -> None:
    await who.press(who.outbox.button(label).id)


async def test_pages_forward_and_back_through_everything(app: App) -> None:
    await push_index(app, FILMS + SERIES)  # 21 titles: 8 + 8 + 5
    owner = await person(app, 1)

    await owner.say("/library")
    page = shown(owner)
    assert page[0] == "Library — everything (21), page 1 of 3:"
    assert len(page[1:]) == 8
    assert labels(owner) == [["Next ▶️"], ["🎬 Films", "📺 Series"]]

    await press(owner, "Next ▶️")
    assert shown(owner)[0] == "Library — everything (21), page 2 of 3:"
    assert labels(owner)[0] == ["◀️ Back", "Next ▶️"]
    second = shown(owner)[1:]

    await press(owner, "Next ▶️")
    assert shown(owner)[0] == "Library — everything (21), page 3 of 3:"
    assert len(shown(owner)[1:]) == 5
    assert labels(owner)[0] == ["◀️ Back"]

    await press(owner, "◀️ Back")
    assert shown(owner) == ["Library — everything (21), page 2 of 3:", *second]
    seen = set()
    for number in (1, 2, 3):  # every title shows up exactly once across the pages
        await owner.press(await page_button(app, owner, number - 1))
        seen.update(shown(owner)[1:])
    assert len(seen) == 21


async def page_button(app: App, who: Person, page: int) -> str:
    user = await app.users.find(who.ref.platform, who.ref.id)
    assert user is not None
    payload = {"kind": None, "query": "", "page": page}
    return await app.buttons.create(
        owner_user_id=user.id, action="downloads.library", payload=payload
    )


async def test_films_and_series_are_browsed_apart(app: App) -> None:
    await push_index(app, FILMS + SERIES)
    owner = await person(app, 1)
    await owner.say("/library")

    await press(owner, "🎬 Films")
    films = shown(owner)
    assert films[0] == "Library — 🎬 Films (13), page 1 of 2:"
    assert all(line.startswith("🎬 ") for line in films[1:])
    await press(owner, "Next ▶️")
    assert shown(owner)[0] == "Library — 🎬 Films (13), page 2 of 2:"
    assert "🎬 The Matrix (1999)" in shown(owner)

    await press(owner, "📺 Series")
    series = shown(owner)
    assert series[0] == "Library — 📺 Series (8), page 1 of 1:"
    assert "📺 Dark (2017) · 26 episodes" in series
    assert all(line.startswith("📺 ") for line in series[1:])
    assert labels(owner) == [["🎬 Films", "📺 Series"]]  # one page: no Back/Next


async def test_search_finds_by_words_and_says_when_nothing_matches(app: App) -> None:
    await push_index(app, FILMS + SERIES)
    owner = await person(app, 1)

    await owner.say("/library the matrix")
    assert shown(owner) == ["Library — everything (1), page 1 of 1:", "🎬 The Matrix (1999)"]

    await owner.say("/library show")  # the filter buttons keep the search
    await press(owner, "📺 Series")
    assert shown(owner)[0] == "Library — 📺 Series (7), page 1 of 1:"
    await press(owner, "🎬 Films")
    assert owner.outbox.texts()[-1] == "Nothing in the library matches “show”."

    await owner.say("/library 100%_done")
    assert owner.outbox.texts()[-1] == "Nothing in the library matches “100%_done”."


async def test_titles_from_the_nas_are_shown_as_written_never_as_links(app: App) -> None:
    await push_index(app, FILMS)
    owner = await person(app, 1)
    await owner.say("/library free 4k")
    assert literal(PHISHING_TITLE) in last(owner).text  # inert: no hidden link, no bold
    assert shown(owner)[1] == f"🎬 {PHISHING_TITLE} (2024)"


async def test_an_allowed_user_sees_it_and_a_plain_user_is_refused(app: App) -> None:
    await push_index(app, FILMS + SERIES)
    allowed = await person(app, 20)  # in TORRENT_CLIENT_USERS
    await allowed.say("/library")
    assert shown(allowed)[0] == "Library — everything (21), page 1 of 3:"
    await press(allowed, "Next ▶️")
    assert shown(allowed)[0] == "Library — everything (21), page 2 of 3:"

    plain = await person(app, 30)
    await plain.say("/library")
    await plain.say("/library matrix")
    await plain.press(await page_button(app, plain, 1))  # a forged or stale page button
    assert plain.outbox.texts() == ["The library is shared only with people the owner allows."] * 3
    assert "Matrix" not in plain.outbox.all_text() and not plain.outbox.buttons()


async def test_an_empty_index_says_how_to_fill_it(app: App) -> None:
    owner = await person(app, 1)
    await owner.say("/library")
    assert owner.outbox.texts() == [
        "The library index is empty. `concierge nas-sync` on the NAS pushes it."
    ]


async def test_russian_users_get_the_library_in_russian(app: App) -> None:
    await push_index(app, SERIES)
    owner = Person(app, 1, lang="ru")
    await owner.say("/start")
    await owner.say("/library")
    assert shown(owner)[0] == "Библиотека — всё (8), страница 1 из 1:"
    assert "📺 Dark (2017) · серий: 26" in shown(owner)
    assert labels(owner) == [["🎬 Фильмы", "📺 Сериалы"]]


async def test_the_index_pages_filters_and_escapes_on_each_database(downloads: Downloads) -> None:
    """The repository under /library, on SQLite and Postgres: same order, same pages."""
    library = downloads.library
    items = [LibraryItem("movie", f"Film {n:02d}", 2000 + n) for n in range(1, 11)] + [
        LibraryItem("movie", "100% Love_Story", 2010),
        LibraryItem("series", "Dark", 2017, episodes=26),
    ]
    assert await library.replace(items) == 12

    first = await library.browse(page=0, per_page=5)
    last_page = await library.browse(page=99, per_page=5)  # clamped to the last page
    assert (first.total, first.pages, last_page.page) == (12, 3, 2)
    assert [i.title for i in first.items] == [
        "100% Love_Story", "Dark", "Film 01", "Film 02", "Film 03"
    ]  # fmt: skip
    assert [i.title for i in last_page.items] == ["Film 09", "Film 10"]
    assert (await library.browse(kind="series")).items == [
        LibraryItem("series", "Dark", 2017, episodes=26)
    ]
    assert [i.title for i in (await library.browse(query="love story")).items] == [
        "100% Love_Story"
    ]
    assert (await library.browse(query="f_lm 0%")).total == 0  # punctuation is no wildcard
    assert await library.has("dark", 2017) and not await library.has("dark", 2018)

    await library.replace([])  # the NAS emptied: the last push wins
    assert (await library.browse()).total == 0
