"""Maps and scenarios as data: GeoJSON geography and TOML scenarios, shipped with the package."""

from pathlib import Path

MAPS_DIR = Path(__file__).resolve().parent
SCENARIOS_DIR = MAPS_DIR / "scenarios"
