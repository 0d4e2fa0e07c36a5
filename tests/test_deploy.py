"""The deployment files say only what the program understands.

No Docker engine runs here, so the files are checked against the code: every command a
Concierge service runs exists in the CLI with the options given, every environment
variable set for it (in compose.yaml and the Dockerfile) is a real setting, and the
health-check path answers 200 on the real HTTP app.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import yaml
from typer.testing import CliRunner

from concierge.cli import app as cli
from concierge.config import Settings
from concierge.core.metrics import Metrics
from concierge.frontends.http.app import build_http_app
from concierge.storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {name.upper() for name in Settings.model_fields}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def _ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("concierge") or "build" in service
    }


def test_compose_runs_web_and_worker_replicas_on_postgres() -> None:
    compose = _compose()
    ours = _ours(compose)
    assert set(ours) == {"web", "worker"}
    assert ours["web"]["deploy"]["replicas"] >= 2 and ours["worker"]["deploy"]["replicas"] >= 2
    assert "postgres" in compose["services"]
    for service in ours.values():
        url = service["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@postgres:" in url


def test_every_command_in_compose_exists_in_the_cli() -> None:
    runner = CliRunner()
    for name, service in _ours(_compose()).items():
        command = service["command"]
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, (name, command, result.output)
        for option in (word for word in command if word.startswith("--")):
            assert option in result.output, (name, option)
    assert runner.invoke(cli, ["serve", "--role", "nonsense"]).exit_code != 0


def test_every_environment_variable_is_a_setting() -> None:
    for name, service in _ours(_compose()).items():
        unknown = set(service["environment"]) - SETTINGS
        assert not unknown, (name, unknown)
    final_stage = (ROOT / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    env_block = re.search(r"^ENV (.+?)(?:\n(?!\s))", final_stage, re.S | re.M)
    assert env_block is not None
    keys = set(re.findall(r"([A-Z_]+)=", env_block.group(1))) - {"PATH"}
    assert keys and not keys - SETTINGS, keys - SETTINGS


async def test_the_health_checks_ask_a_path_that_answers(tmp_path: Path) -> None:
    checks = [(ROOT / "Dockerfile").read_text()]
    checks += [" ".join(s["healthcheck"]["test"]) for s in _ours(_compose()).values()
               if not s.get("healthcheck", {}).get("disable")]  # fmt: skip
    paths = {p for check in checks for p in re.findall(r"http://127\.0\.0\.1:8080(/\w+)", check)}
    assert paths == {"/health"}
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        transport = httpx.ASGITransport(app=build_http_app(db=db, metrics=Metrics()))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            for path in paths:
                assert (await client.get(path)).status_code == 200
    finally:
        await db.close()


def test_the_image_runs_as_a_non_root_user_and_includes_ffmpeg() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert "ffmpeg" in dockerfile and "packaged_model" in dockerfile
    assert dockerfile.count("FROM ") >= 2  # multi-stage: no build tools in the image
