"""`concierge doctor` checks the Discord token against the API, never showing it."""

from __future__ import annotations

from pathlib import Path

from concierge.config import Settings
from concierge.doctor import render_doctor, run_doctor
from tests.support.fake_discord import TOKEN, FakeDiscord


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, concierge_data_dir=tmp_path, **values)  # type: ignore[arg-type]


async def test_doctor_accepts_a_good_token_and_names_a_refused_one(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    good = await run_doctor(
        settings(tmp_path, discord_bot_token=TOKEN, discord_api_base_url=fake.base_url,
                 discord_guild_ids="700000000000000001")
    )  # fmt: skip
    (line,) = [c for c in good.checks if c.name == "discord"]
    assert line.ok
    assert line.detail == (
        f"token accepted by {fake.base_url}; bot concierge; guilds 700000000000000001"
    )
    wrong = "wrong-discord-token-value"
    bad = await run_doctor(
        settings(tmp_path, discord_bot_token=wrong, discord_api_base_url=fake.base_url)
    )
    (line,) = [c for c in bad.checks if c.name == "discord"]
    assert not line.ok and "rejected DISCORD_BOT_TOKEN" in line.detail
    assert wrong not in render_doctor(bad) and TOKEN not in render_doctor(good)


async def test_doctor_refuses_non_numeric_guild_ids(tmp_path: Path) -> None:
    report = await run_doctor(
        settings(tmp_path, discord_bot_token=TOKEN, discord_guild_ids="my-server")
    )
    (line,) = [c for c in report.checks if c.name == "discord"]
    assert not line.ok and "'my-server'" in line.detail
