"""`/find Dune Part Two 2024` on Discord through the real application (bootstrap, movies
skill, adapters against local fixture servers): an embed card with buttons, pressable."""

from __future__ import annotations

from pathlib import Path

from concierge.bootstrap import build_app
from concierge.frontends.discord.wiring import build_discord
from tests.skills.movies.harness import movies_settings
from tests.support.core_stack import running
from tests.support.fake_discord import CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord
from tests.support.fixture_server import FixtureServer
from tests.support.movie_fixtures import movie_routes

OWNER = 466666666666666666


async def test_find_answers_with_embed_cards_and_their_buttons_work(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    with FixtureServer(movie_routes()) as server:
        settings = movies_settings(
            server,
            tmp_path,
            owner_ids=[f"discord:{OWNER}"],
            discord_bot_token=TOKEN,
            discord_api_base_url=fake.base_url,
            discord_gateway_url=fake.gateway_url,
            discord_guild_ids=[str(GUILD_ID)],
        )
        app = await build_app(settings)
        try:
            async with running(build_discord(settings, app)):
                find = fake.payloads.slash(OWNER, "find", {"text": "Dune Part Two 2160p"})
                fake.dispatch("INTERACTION_CREATE", find)
                await fake.wait_for(
                    lambda: any(m["embeds"] for m in fake.visible(CHANNEL_ID)),
                    what="the film card",
                    seconds=20,
                )
                card = next(m for m in fake.visible(CHANNEL_ID) if m["embeds"])
                buttons = [b for row in card["components"] for b in row["components"]]
                assert card["embeds"][0]["title"].startswith("Dune: Part Two (2024)")
                assert buttons and all(len(b.get("custom_id", "x")) <= 100 for b in buttons)
                torrents = next(b for b in buttons if "Find torrents" in b["label"])
                tap = fake.payloads.press(OWNER, torrents["custom_id"], int(card["id"]))
                fake.dispatch("INTERACTION_CREATE", tap)
                await fake.wait_for(lambda: tap["id"] in fake.payloads.acked_at, what="the ack")
                # leaving the block stops the front-end: it lets the press finish its replies
        finally:
            await app.close()
    shown = fake.visible(CHANNEL_ID)
    picks = [m["embeds"][0]["title"] for m in shown if m["embeds"]][1:]
    roles = ["1. Recommended", "2. Fastest", "3. Smallest"]
    assert [title.split(":")[0] for title in picks] == roles * 2  # /find, then the press
    assert any(m["content"].startswith("Torrents for Dune: Part Two (2024)") for m in shown)
    ack = fake.payloads.acked_at[find["id"]] - fake.payloads.dispatched_at[find["id"]]
    assert ack < 3.0
    assert not fake.payloads.late_acks
    assert all(c.ok for c in fake.calls), fake.summary()
