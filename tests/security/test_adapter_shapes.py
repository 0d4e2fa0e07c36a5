"""Valid JSON/XML of the wrong shape from a tracker is a typed error or no results, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from concierge.adapters.apibay import ApibaySource
from concierge.adapters.errors import ExternalServiceError
from concierge.adapters.http import HttpFactory
from concierge.adapters.torapi import TorApiSource
from concierge.adapters.torznab import TorznabSource
from concierge.skills.movies.domain import TorrentQuery
from tests.support.fixture_server import FixtureServer, fixture_file, json_response, text
from tests.support.movie_fixtures import APIBAY, FIXTURES, TORAPI, TORZNAB

QUERY = TorrentQuery(title="Dune", original_title="Dune", year=2021, kind="movie")
JSON_SHAPES = [None, "text", 5, [1, 2], {"results": "x"}, [{"name": 5, "seeders": "many"}],
               {"RuTracker": [{"Name": None, "Size": [], "Seeds": "x", "Id": {}}]}]  # fmt: skip
BAD_ITEM = """<?xml version="1.0"?><rss xmlns:torznab="http://torznab.com/schemas/2015/feed">
<channel><item><title>Dune.2021.1080p</title><size>²</size>
<torznab:attr name="seeders" value="lots"/><torznab:attr name="grabs" value="²"/><torznab:attr name="peers" value="-"/>
</item></channel></rss>"""


@pytest.fixture
def http(tmp_path: Path) -> HttpFactory:
    return HttpFactory(None, timeout=0.5, retries=0)


@pytest.mark.parametrize("shape", JSON_SHAPES)
@pytest.mark.parametrize("source", ["torapi", "apibay"])
async def test_wrong_json_shapes(http: HttpFactory, source: str, shape: object) -> None:
    path = f"{TORAPI}/api/search/title/all" if source == "torapi" else f"{APIBAY}/q.php"
    with FixtureServer({path: json_response(shape)}) as srv:
        adapter = (
            TorApiSource(http, base_url=srv.url + TORAPI)
            if source == "torapi"
            else ApibaySource(http, base_url=srv.url + APIBAY)
        )
        try:
            results = await adapter.search(QUERY)
        except ExternalServiceError:
            return
        assert all(r.name for r in results)


async def test_a_torznab_item_with_garbage_numbers_is_still_listed(http: HttpFactory) -> None:
    async def route(request: Request) -> Response:
        if request.query_params.get("t") == "caps":
            return await fixture_file(FIXTURES / "torznab/caps_q_only.xml")(request)
        return await text(BAD_ITEM, 200, "application/rss+xml")(request)

    with FixtureServer({TORZNAB: route}) as srv:
        source = TorznabSource(http, endpoint=f"{srv.url}{TORZNAB}?apikey=k")
        results = await source.search(QUERY)
    assert [(r.name, r.seeders, r.size) for r in results] == [("Dune.2021.1080p", 0, 0)]
