"""The settings file: defaults on first run, a round trip, and no crash on a damaged file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client import settings
from client.settings import Settings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(settings.CONFIG_ENV, str(tmp_path / "cfg"))
    return tmp_path / "cfg" / settings.FILE_NAME


def test_first_run_gives_the_defaults(config: Path) -> None:
    assert settings.settings_path() == config
    assert settings.load() == Settings()
    assert not config.exists()


def test_saved_settings_come_back(config: Path) -> None:
    mine = Settings(server="ws://game.example:9000/ws", name="Blyukher", width=1600, speed=20.0)
    assert settings.save(mine)
    assert json.loads(config.read_text())["name"] == "Blyukher"
    assert settings.load() == mine


def test_a_damaged_file_keeps_what_it_can(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"name": "Stern", "width": "wide", "speed": 5, "extra": 1}))
    got = settings.load()
    assert got.name == "Stern" and got.speed == 5.0
    assert got.width == Settings().width  # the wrong type keeps the default
    config.write_text("{not json")
    assert settings.load() == Settings()
    config.write_text("[1, 2]")
    assert settings.load() == Settings()


def test_an_unwritable_directory_is_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(settings.CONFIG_ENV, str(blocker / "sub"))
    assert settings.save(Settings(name="x")) is False
    assert settings.load() == Settings()


def test_without_the_override_it_is_the_platform_config_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import platformdirs

    monkeypatch.delenv(settings.CONFIG_ENV, raising=False)
    assert settings.config_dir() == Path(platformdirs.user_config_dir("khasan"))
