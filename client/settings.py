"""What the client remembers between runs: server address, player name, window size, last game.

A small JSON file in the user's config directory (``platformdirs``), or in ``KHASAN_CONFIG_DIR``
when set (tests, portable installs). A missing, unreadable or half-valid file never stops the
client: every field that does not read back as the right type keeps its default.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import platformdirs

CONFIG_ENV = "KHASAN_CONFIG_DIR"
FILE_NAME = "settings.json"
DEFAULT_SERVER = "ws://127.0.0.1:8765/ws"


@dataclass
class Settings:
    """Everything remembered; the defaults are what a first run shows."""

    server: str = DEFAULT_SERVER
    name: str = "player"
    width: int = 1280
    height: int = 800
    scenario: str = "lake-khasan"  # last scenario chosen for a new game
    side: str = "soviet"  # last side played in a new game
    ai_level: str = "normal"
    speed: float = 1.0


def config_dir() -> Path:
    given = os.environ.get(CONFIG_ENV)
    return Path(given) if given else Path(platformdirs.user_config_dir("khasan"))


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def load(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults for whatever is missing or malformed."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    settings = Settings()
    if not isinstance(raw, dict):
        return settings
    for f in fields(Settings):
        value = raw.get(f.name)
        default = getattr(settings, f.name)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is type(default):
            setattr(settings, f.name, value)
    return settings


def save(settings: Settings, path: Path | None = None) -> bool:
    """Write the settings atomically; False (and nothing changed) when the disk refuses."""
    path = path or settings_path()
    tmp = path.with_suffix(".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True
