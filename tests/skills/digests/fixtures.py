"""TMDB and RSS answers for digests, shaped like the documented responses.

``/movie/now_playing`` and ``/movie/upcoming`` (``dates`` window, ``results`` of movie
list items), ``/discover/movie``, ``/search/person`` and ``/person/{id}/movie_credits``
(``cast``/``crew`` with credit fields), each in en-US and ru-RU; an RSS 2.0 news feed and
an Atom one. ``digest_server()`` serves them all; ``later()`` swaps in the next day's lists.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fixture_server import FixtureServer, Handler

TMDB = "/tmdb/3"
NEWS = "/feeds/news.xml"
ATOM = "/feeds/atom.xml"
VILLENEUVE = 137427

# id: (en title, ru title, genre ids, release date, popularity, vote average)
FILMS: dict[int, tuple[str, str, list[int], str, float, float]] = {
    9001: ("Starfall Protocol", "Звёздный протокол", [878, 28], "2026-03-04", 80.0, 7.6),
    9002: ("The Hollow House", "Пустой дом", [27], "2026-03-03", 90.0, 6.9),
    9003: ("Quiet Meadows", "Тихие луга", [18], "2026-03-02", 30.0, 7.0),
    9004: ("Laugh Track", "Закадровый смех", [35], "2026-03-05", 50.0, 6.5),
    9005: ("Orbit of Ash", "Орбита пепла", [878], "2026-03-12", 70.0, 0.0),
    9006: ("Night Teeth II", "Ночные зубы 2", [27], "2026-03-13", 60.0, 0.0),
    9007: ("The Long Heist", "Долгое ограбление", [80, 53], "2026-03-20", 40.0, 0.0),
    9008: ("Signal Lost", "Сигнал потерян", [878, 53], "2026-03-01", 20.0, 6.1),
    9010: ("Arrakis Rising", "Восход Арракиса", [878, 12], "2026-04-10", 55.0, 0.0),
    438631: ("Dune", "Дюна", [878, 12], "2021-09-15", 120.0, 7.8),
    9020: ("Crypt Season", "Сезон склепов", [27], "2026-03-14", 95.0, 0.0),
    9021: ("Harbor Lights", "Огни гавани", [18], "2026-03-15", 25.0, 0.0),
}
NOW_PLAYING = [9001, 9002, 9003, 9004]
UPCOMING = [9005, 9006, 9007]
UPCOMING_LATER = [9005, 9006, 9007, 9020, 9021]
DISCOVER = [9001, 9005, 9008]


def movie(tmdb_id: int, lang: str) -> dict[str, Any]:
    en, ru, genres, released, popularity, vote = FILMS[tmdb_id]
    return {
        "adult": False,
        "backdrop_path": f"/b{tmdb_id}.jpg",
        "genre_ids": genres,
        "id": tmdb_id,
        "original_language": "en",
        "original_title": en,
        "overview": "",
        "popularity": popularity,
        "poster_path": f"/p{tmdb_id}.jpg",
        "release_date": released,
        "title": ru if lang == "ru" else en,
        "video": False,
        "vote_average": vote,
        "vote_count": 100 if vote else 0,
    }


def _lang(request: Request) -> str:
    return request.query_params.get("language", "en-US")[:2]


def _json(body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


def movie_list(ids: list[int], *, dated: bool = True) -> Handler:
    async def handle(request: Request) -> Response:
        results = [movie(i, _lang(request)) for i in ids]
        body: dict[str, Any] = {
            "page": 1,
            "results": results,
            "total_pages": 1,
            "total_results": len(results),
        }
        if dated:
            body["dates"] = {"maximum": "2026-04-01", "minimum": "2026-02-20"}
        return _json(body)

    return handle


async def search_person(request: Request) -> Response:
    query = request.query_params.get("query", "").lower()
    results = []
    if "villeneuve" in query:
        results.append(
            {
                "adult": False,
                "gender": 2,
                "id": VILLENEUVE,
                "known_for_department": "Directing",
                "name": "Denis Villeneuve",
                "original_name": "Denis Villeneuve",
                "popularity": 12.0,
                "profile_path": "/dv.jpg",
                "known_for": [dict(movie(438631, "en"), media_type="movie")],
            }
        )
    return _json({"page": 1, "results": results, "total_pages": 1, "total_results": len(results)})


async def credits(request: Request) -> Response:
    lang = _lang(request)
    crew = [
        dict(movie(i, lang), credit_id=f"c{i}", department="Directing", job="Director")
        for i in (438631, 9010)
    ]
    return _json({"cast": [], "crew": crew, "id": VILLENEUVE})


NEWS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Screen Daily Wire</title><link>https://news.example/</link>
<item><title>Denis Villeneuve confirms a new sci-fi project</title>
<link>https://news.example/villeneuve</link><guid>n1</guid>
<pubDate>Sat, 07 Mar 2026 06:00:00 GMT</pubDate></item>
<item><title>Box office: a quiet weekend &amp; a surprise</title>
<link>https://news.example/box-office</link><guid>n2</guid>
<pubDate>Sat, 07 Mar 2026 05:00:00 GMT</pubDate></item>
<item><title>Gary Blocklan joins the reboot</title>
<link>https://news.example/blocklan</link><guid>n3</guid>
<pubDate>Sat, 07 Mar 2026 04:00:00 GMT</pubDate></item>
<item><title>Old news from February</title><link>https://news.example/old</link><guid>n4</guid>
<pubDate>Sun, 01 Feb 2026 04:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM_XML = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Festival Notes</title>
<entry><title>Festival line-up [leaked](https://evil.example)</title>
<link href="https://fest.example/line-up"/><id>urn:fest:1</id>
<updated>2026-03-07T07:00:00Z</updated></entry>
</feed>"""


def _feed(body: str, kind: str) -> Handler:
    async def handle(_request: Request) -> Response:
        return Response(body.encode(), media_type=kind)

    return handle


def digest_server() -> FixtureServer:
    return FixtureServer(
        {
            f"{TMDB}/movie/now_playing": movie_list(NOW_PLAYING),
            f"{TMDB}/movie/upcoming": movie_list(UPCOMING),
            f"{TMDB}/discover/movie": movie_list(DISCOVER, dated=False),
            f"{TMDB}/search/person": search_person,
            f"{TMDB}/person/{VILLENEUVE}/movie_credits": credits,
            NEWS: _feed(NEWS_XML, "application/rss+xml"),
            ATOM: _feed(ATOM_XML, "application/atom+xml"),
        }
    )


def later(server: FixtureServer) -> None:
    """The next days' TMDB lists: two more films coming."""
    server.route(f"{TMDB}/movie/upcoming", movie_list(UPCOMING_LATER))
