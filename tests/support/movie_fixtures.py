"""Fixture routes for every service the movies skill talks to, for tests and bench/.

``movie_routes()`` answers like TMDB, OMDb, Kinopoisk, TorAPI, apibay, RuTracker
and a Torznab indexer would for the Dune: Part Two scenario; each service sits
under its own path prefix on one ``FixtureServer``. The TMDB search is a small
fake that matches query words against titles and alternative titles, so a
Russian inflected query ("Дюну 2") finds nothing while its nominative form does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from concierge.skills.movies.domain import TorrentQuery
from tests.support.fixture_server import Handler, fixture_file, json_response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "movies"

# Path prefixes; a base URL is ``server.url + PREFIX``.
TMDB = "/tmdb/3"
OMDB = "/omdb"
KINOPOISK = "/kp"
TORAPI = "/torapi"
APIBAY = "/apibay"
RUTRACKER = "/rutracker"
TORZNAB = "/torznab/api/v2.0/indexers/all/results/torznab/api"


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^\w]+", text.lower()) if w}


def tmdb_search() -> Handler:
    """``/search/movie`` and ``/search/multi`` over the small catalogue."""
    catalog = load("tmdb/catalog.json")

    async def handle(request: Request) -> Response:
        lang = request.query_params.get("language", "en-US")[:2]
        words = _words(request.query_params.get("query", ""))
        alternatives = catalog["alternative_titles"]
        found = []
        for movie in catalog["movies"]["ru" if lang == "ru" else "en"]:
            names = [
                movie["title"],
                movie["original_title"],
                *alternatives.get(str(movie["id"]), []),
            ]
            if words and any(words <= _words(name) for name in names):
                entry = dict(movie)
                if request.url.path.endswith("/multi"):
                    entry["media_type"] = "movie"
                found.append(entry)
        found.sort(key=lambda m: -m["popularity"])
        body = {"page": 1, "results": found, "total_pages": 1, "total_results": len(found)}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    return handle


def tmdb_localized(stem: str) -> Handler:
    """``tmdb/<stem>_ru.json`` for ``language=ru-RU``, ``_en`` otherwise, as TMDB translates."""

    async def handle(request: Request) -> Response:
        lang = request.query_params.get("language", "en-US")[:2]
        return Response(
            (FIXTURES / f"tmdb/{stem}_{'ru' if lang == 'ru' else 'en'}.json").read_bytes(),
            media_type="application/json",
        )

    return handle


def tmdb_movie() -> Handler:
    return tmdb_localized("movie_693134")


def html_file(relative: str, charset: str = "windows-1251", status: int = 200) -> Handler:
    body = (FIXTURES / relative).read_bytes()

    async def handle(_request: Request) -> Response:
        return Response(body, status_code=status, media_type=f"text/html; charset={charset}")

    return handle


# The one RuTracker account ``FakeTracker`` accepts, and the .torrent it hands over.
ACCOUNT = ("кино_фан", "pass")
TORRENT = b"d8:announce30:http://bt.t-ru.org/ann?magnet4:infod4:name4:dunee"


class FakeTracker:
    """RuTracker's login: accepts ``ACCOUNT`` only, issues sessions, can demand a captcha.

    A wrong login gets the login form again, as the real ``login.php`` answers.
    """

    def __init__(self) -> None:
        self.valid_sessions: set[str] = set()
        self.captcha = False
        self.logins = 0

    def login(self) -> Handler:
        async def handle(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode("ascii"), encoding="cp1251"))
            if self.captcha:
                return await html_file("rutracker/login_captcha.html")(request)
            if (form.get("login_username"), form.get("login_password")) == ACCOUNT:
                self.logins += 1
                session = f"session-{self.logins}"
                self.valid_sessions.add(session)
                return Response(
                    b"",
                    302,
                    headers={
                        "Location": "index.php",
                        "Set-Cookie": f"bb_session={session}; path=/forum/; HttpOnly",
                    },
                )
            return await html_file("rutracker/login_form.html")(request)

        return handle

    def page(self, fixture: str) -> Handler:
        async def handle(request: Request) -> Response:
            if request.cookies.get("bb_session") not in self.valid_sessions:
                return await html_file("rutracker/login_form.html")(request)
            return await html_file(fixture)(request)

        return handle

    def routes(self) -> dict[str, Handler]:
        """Login, search, topic and .torrent download under ``RUTRACKER``."""
        return {
            f"{RUTRACKER}/forum/login.php": self.login(),
            f"{RUTRACKER}/forum/tracker.php": self.page("rutracker/search.html"),
            f"{RUTRACKER}/forum/viewtopic.php": self.page("rutracker/topic_6522121.html"),
            f"{RUTRACKER}/forum/dl.php": self.torrent(),
        }

    def torrent(self) -> Handler:
        async def handle(request: Request) -> Response:
            if request.cookies.get("bb_session") not in self.valid_sessions:
                return await html_file("rutracker/login_form.html")(request)
            return Response(TORRENT, media_type="application/x-bittorrent")

        return handle


def movie_routes() -> dict[str, Handler]:
    """Every service answering the Dune: Part Two scenario."""
    return {
        f"{TMDB}/search/movie": tmdb_search(),
        f"{TMDB}/search/multi": tmdb_search(),
        f"{TMDB}/movie/693134": tmdb_movie(),
        f"{TMDB}/person/1190668": tmdb_localized("person_1190668"),
        f"{TMDB}/search/person": fixture_file(FIXTURES / "tmdb/search_person_chalamet.json"),
        f"{TMDB}/search/tv": fixture_file(FIXTURES / "tmdb/search_tv_severance.json"),
        f"{TMDB}/tv/95396": fixture_file(FIXTURES / "tmdb/tv_95396_en.json"),
        f"{OMDB}/": fixture_file(FIXTURES / "omdb/tt15239678.json"),
        f"{KINOPOISK}/api/v2.2/films": fixture_file(FIXTURES / "kinopoisk/films_tt15239678.json"),
        f"{TORAPI}/api/search/title/all": fixture_file(FIXTURES / "torapi/search_all_dune.json"),
        f"{TORAPI}/api/search/id/rutracker": fixture_file(
            FIXTURES / "torapi/id_rutracker_6522121.json"
        ),
        f"{APIBAY}/q.php": fixture_file(FIXTURES / "apibay/q_dune.json"),
    }


def torznab_routes(
    search: str = "torznab/search_dune.xml", caps: str = "torznab/caps.xml"
) -> dict[str, Handler]:
    async def handle(request: Request) -> Response:
        if request.query_params.get("apikey") != "jackett-key":
            return Response(
                (FIXTURES / "torznab/error_apikey.xml").read_bytes(), media_type="application/xml"
            )
        name = caps if request.query_params.get("t") == "caps" else search
        return Response((FIXTURES / name).read_bytes(), media_type="application/rss+xml")

    return {TORZNAB: handle}


__all__ = ["json_response"]


# The Dune: Part Two request the torrent sources are asked in adapter tests.
DUNE_QUERY = TorrentQuery(
    title="Дюна: Часть вторая",
    original_title="Dune: Part Two",
    year=2024,
    kind="movie",
    imdb_id="tt15239678",
    tmdb_id=693134,
)


class MemoryCredentials:
    """The CredentialStore's interface over a dict, for adapter tests without a database."""

    def __init__(self, values: dict[tuple[int, str], str] | None = None) -> None:
        self.values: dict[tuple[int, str], str] = dict(values or {})

    async def get(self, user_id: int, name: str) -> str | None:
        return self.values.get((user_id, name))

    async def put(self, user_id: int, name: str, value: str) -> None:
        self.values[(user_id, name)] = value

    async def delete(self, user_id: int, name: str) -> None:
        self.values.pop((user_id, name), None)
