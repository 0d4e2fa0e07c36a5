"""A Letterboxd member's world: an export ZIP of 200 rows and a public diary feed.

The export follows Letterboxd's documented files and columns (``watched.csv``:
Date, Name, Year, Letterboxd URI; ``ratings.csv`` adds Rating in stars;
``diary.csv`` adds Rewatch, Tags, Watched Date; ``watchlist.csv``). The feed is
Letterboxd's RSS with its ``letterboxd:`` and ``tmdb:`` elements. A TMDB search
fake knows every exported film but the ``UNMATCHED`` ones.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fixture_server import Handler

WORDS = ("Silent", "Red", "Winter", "Glass", "Last", "Hidden", "Paper", "Iron", "Blue", "Night")
NOUNS = ("River", "Garden", "City", "Letter", "Mountain", "Station", "Harbor", "Mirror")
UNMATCHED = [
    ("Zzyzx Road Home Movie", 2006),
    ("My Cousin's Wedding Tape", 2019),
    ("Untitled Short", None),
]


def films(count: int = 120) -> list[tuple[str, int]]:
    found = []
    for n in range(count):
        found.append((f"The {WORDS[n % 10]} {NOUNS[(n // 10) % 8]} {n // 80 + 1}", 1990 + n % 34))
    return found


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def export_zip() -> tuple[bytes, int]:
    """(the ZIP, its row count): 110 watched, 50 ratings, 20 diary, 20 watchlist = 200."""
    known = films()
    uri = "https://boxd.it/{}"
    watched = [
        [f"2023-01-{1 + n % 28:02d}", nm, str(y), uri.format(n)]
        for n, (nm, y) in enumerate(known[:107])
    ]
    watched += [["2023-02-01", nm, str(y) if y else "", uri.format("x")] for nm, y in UNMATCHED]
    ratings = [
        [f"2023-03-{1 + n % 28:02d}", nm, str(y), uri.format(n), str(1 + (n % 9) / 2)]
        for n, (nm, y) in enumerate(known[:50])
    ]
    diary = [
        [f"2023-04-{1 + n:02d}", nm, str(y), uri.format(n), "4.5", "", "", f"2023-04-{1 + n:02d}"]
        for n, (nm, y) in enumerate(known[50:70])
    ]
    watchlist = [
        ["2023-05-01", nm, str(y), uri.format(n)] for n, (nm, y) in enumerate(known[100:120])
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("profile.csv", "Date Joined,Username\n2020-01-01,annwatches\n")
        archive.writestr("watched.csv", _csv(["Date", "Name", "Year", "Letterboxd URI"], watched))
        archive.writestr(
            "ratings.csv", _csv(["Date", "Name", "Year", "Letterboxd URI", "Rating"], ratings)
        )
        archive.writestr(
            "diary.csv",
            _csv(
                [
                    "Date",
                    "Name",
                    "Year",
                    "Letterboxd URI",
                    "Rating",
                    "Rewatch",
                    "Tags",
                    "Watched Date",
                ],
                diary,
            ),
        )
        archive.writestr(
            "watchlist.csv", _csv(["Date", "Name", "Year", "Letterboxd URI"], watchlist)
        )
    return buffer.getvalue(), len(watched) + len(ratings) + len(diary) + len(watchlist)


def tmdb_search_films() -> Handler:
    """``/search/movie`` over the exported films (ids from 900000), year-filtered as TMDB does."""
    catalog = {name.lower(): (900000 + n, name, year) for n, (name, year) in enumerate(films())}
    catalog["dune"] = (438631, "Dune", 2021)

    async def handle(request: Request) -> Response:
        query = request.query_params.get("query", "").lower()
        year = request.query_params.get("year")
        found = catalog.get(query)
        results = []
        if found is not None and (not year or int(year) == found[2]):
            tmdb_id, name, film_year = found
            results.append(
                {
                    "id": tmdb_id,
                    "title": name,
                    "original_title": name,
                    "genre_ids": [18],
                    "release_date": f"{film_year}-06-01",
                    "overview": "",
                    "popularity": 10.0,
                    "vote_average": 7.0,
                    "poster_path": None,
                }
            )
        body = {"page": 1, "results": results, "total_pages": 1, "total_results": len(results)}
        return Response(json.dumps(body), media_type="application/json")

    return handle


@dataclass
class DiaryFeedFixture:
    """The member's RSS; ``items`` may grow between polls, as the member logs films."""

    items: list[dict[str, str]] = field(default_factory=list)

    def handler(self) -> Handler:
        async def handle(_request: Request) -> Response:
            entries = "".join(self._item(i) for i in self.items)
            body = (
                '<?xml version="1.0" encoding="utf-8"?>'
                '<rss version="2.0" xmlns:letterboxd="https://letterboxd.com" '
                'xmlns:tmdb="https://themoviedb.org" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f"<channel><title>Letterboxd - annwatches</title>{entries}</channel></rss>"
            )
            return Response(body, media_type="application/rss+xml; charset=utf-8")

        return handle

    @staticmethod
    def _item(item: dict[str, str]) -> str:
        tmdb = f"<tmdb:movieId>{item['tmdb']}</tmdb:movieId>" if item.get("tmdb") else ""
        rating = (
            f"<letterboxd:memberRating>{item['rating']}</letterboxd:memberRating>"
            if item.get("rating")
            else ""
        )
        return (
            f"<item><title>{escape(item['name'])}, {item['year']}</title>"
            f'<guid isPermaLink="false">{item["guid"]}</guid>'
            f"<letterboxd:watchedDate>{item['date']}</letterboxd:watchedDate>"
            "<letterboxd:rewatch>No</letterboxd:rewatch>"
            f"<letterboxd:filmTitle>{escape(item['name'])}</letterboxd:filmTitle>"
            f"<letterboxd:filmYear>{item['year']}</letterboxd:filmYear>"
            f"{rating}{tmdb}<dc:creator>Ann</dc:creator></item>"
        )
