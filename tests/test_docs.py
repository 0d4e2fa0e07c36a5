"""The README and .env.example describe every setting there is."""

from __future__ import annotations

from pathlib import Path

from concierge.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_readme_table_and_env_example() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        env = name.upper()
        assert f"| `{env}` |" in readme, f"{env} missing from the README configuration table"
        assert f"{env}=" in example, f"{env} missing from .env.example"


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in quick_start.splitlines() if line.startswith("bash scripts/")]
    assert commands == ["bash scripts/chat.sh", "bash scripts/test.sh"]
