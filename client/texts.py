"""Every line of text the window shows, composed from the mirror in plain Python.

Keeping the words apart from pyglet means the HUD and the help overlay are tested without a
window, and the key list shown in F1 is the same list the app dispatches on.
"""

from __future__ import annotations

from datetime import datetime

from client.mirror import Mirror
from shared.protocol import UnitView

SIDE_TITLE = {"soviet": "Soviet", "japan": "Japanese", "spectator": "Spectator"}

MATCH_KEYS: list[tuple[str, str]] = [
    ("Left click", "select a unit (again: the next unit of the stack)"),
    ("Left drag", "box: select your units inside it"),
    ("Shift+click / drag", "add to (or take out of) the selection"),
    ("Double / Ctrl+click", "select all your units of that kind on screen"),
    ("Ctrl+A", "select all your units"),
    ("Right click", "the selected units march there (around enemies, assaulting the end)"),
    ("Shift+right click", "add a waypoint: march on from the current destination"),
    ("A, right click", "attack there, assaulting every enemy on the way (or Ctrl+right click)"),
    ("R, right click", "go there by rail (from a railway hex, to one)"),
    ("H", "hold: the selected units stop and dig in"),
    ("F / I / D / O", "air units: fly support / interdict / airdrop / recon, then right click"),
    ("Esc", "cancel the A, R or air key; close help; deselect; after the match, leave"),
    ("Ctrl+1..9, 1..9", "set / recall a group (twice quickly: centre on it)"),
    ("Tab / Shift+Tab", "next / previous of your units"),
    ("C", "centre the map on the selected unit"),
    ("B / Shift+B", "jump to the largest battle / keep following it"),
    ("Middle or right drag", "pan the map (also arrow keys and the window's edges)"),
    ("Minimap", "click or drag on it to look there"),
    ("Events", "wheel over the list scrolls it; click a line to look there"),
    ("Wheel, = / -", "zoom (the wheel zooms about the cursor)"),
    ("Home", "show the whole map"),
    ("M", "map mode: terrain / supply / weather / control (spectators: each side's supply)"),
    ("V", "spectators: look through all / Soviet / Japanese eyes (fog of war)"),
    ("Space", "pause / resume the match"),
    ("[ / ]", "half / double the game speed"),
    ("T", "type a chat line (Enter sends, Esc cancels)"),
    ("F1", "show / hide this help"),
    ("F12", "save a screenshot (khasan-<time>.png)"),
    ("Ctrl+Q", "quit"),
]


def game_time(iso: str) -> str:
    """'1938-07-29T04:00' -> '29 Jul 1938 04:00'; anything unparsable is shown as it came."""
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y %H:%M")
    except ValueError:
        return iso


def view_name(mirror: Mirror) -> str:
    """'Soviet view', 'Spectator view (all)', 'Spectator view (Japanese eyes)'."""
    view = SIDE_TITLE.get(mirror.view or "", mirror.view or "?")
    if mirror.view == "spectator":
        eyes = mirror.perspective or "all"
        return f"{view} view ({'all' if eyes == 'all' else SIDE_TITLE.get(eyes, eyes) + ' eyes'})"
    return f"{view} view"


def top_line(mirror: Mirror) -> str:
    state = (
        "PAUSED" + (f" by {mirror.paused_by}" if mirror.paused_by else "")
        if mirror.paused
        else f"{mirror.speed:g} h/s"
    )
    if mirror.ceasefire:
        state += "   |   CEASEFIRE: no attacks"
    parts = [
        mirror.title or "Khasan",
        f"{game_time(mirror.time)} (hour {mirror.hour})",
        state,
        view_name(mirror),
        f"match {mirror.match}",
    ]
    return "   |   ".join(parts)


def result_line(mirror: Mirror) -> str | None:
    if not mirror.finished:
        return None
    winner = SIDE_TITLE.get(mirror.winner or "")
    outcome = f"{winner} victory" if winner else "Draw"
    return f"{outcome} ({mirror.result or 'over'}) - Esc returns to the lobby"


def unit_lines(unit: UnitView, mirror: Mirror) -> list[str]:
    """The selected unit, as far as this view knows it."""
    side = SIDE_TITLE.get(unit.side, unit.side)
    lines = [
        unit.name,
        f"{side} {unit.kind}, {unit.men:,} men establishment",
        f"strength {unit.strength:.0%}   organisation {unit.org:.0%}",
        f"at hex {unit.pos[0]},{unit.pos[1]}"
        + (f" ({mirror.ground.terrain_name((unit.pos[0], unit.pos[1]))})" if mirror.ground else ""),
    ]
    if unit.order is not None:
        order = unit.order
        verb = {"move": "march to", "attack": "attack to", "rail": "by rail to"}.get(unit.order)
        if verb is not None and unit.to is not None:
            steps = len(unit.path) if unit.path else 0
            order = f"{verb} {unit.to[0]},{unit.to[1]} ({steps} hexes to go)"
            via = getattr(unit, "via", None)
            if via:
                order += f", {len(via)} waypoint{'s' if len(via) > 1 else ''} first"
        elif unit.order == "air" and unit.to is not None:
            order = f"fly {unit.mission or 'a mission'} over {unit.to[0]},{unit.to[1]}"
        lines.append(f"order: {order}")
    if unit.combat:
        lines.append("IN COMBAT")
    stocks = [
        f"{name} {days:.1f} d"
        for name, days in (("food", unit.food), ("ammo", unit.ammo), ("fuel", unit.fuel))
        if days is not None
    ]
    if unit.supply is not None:
        stocks.append(f"supply {unit.supply:.0%}")
    if stocks:
        lines.append("   ".join(stocks))
    state = []
    if unit.entrenched > 0:
        state.append(f"entrenched {unit.entrenched:.0%}")
    if unit.cut_off:
        state.append("CUT OFF")
    if state:
        lines.append("   ".join(state))
    return lines


def selection_lines(mirror: Mirror, ids: list[str]) -> list[str]:
    """A line summing up a selection of several units: how many, how strong, of what kinds."""
    units = [mirror.units[u] for u in ids if u in mirror.units]
    if len(units) < 2:
        return []
    kinds: dict[str, int] = {}
    for u in units:
        kinds[u.kind] = kinds.get(u.kind, 0) + 1
    men = sum(round(u.men * u.strength) for u in units)
    mix = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    return [f"{len(units)} units selected, about {men:,} men: {mix}", ""]


def mode_lines(mirror: Mirror, mode: str, hover: tuple[int, int] | None = None) -> list[str]:
    """The legend of the map mode shown, with what it says about the hex under the pointer."""
    if mode == "supply":
        sm = mirror.shown_supply()
        side = SIDE_TITLE.get(mirror.supply_side or "", "?")
        if sm is None:
            return [f"Map: {side} supply (no supply map yet)"]
        line = f"Map: {side} supply, day {sm.day} - red unsupplied to green full"
        line += f", {len(sm.railheads)} railheads (rail in use: thicker carries more)"
        lines = [line]
        trucks = getattr(sm, "trucks", None)
        if trucks is not None:
            load = getattr(sm, "truck_load", 0.0)
            short = " - not enough: the far end goes short" if load > 1 else ""
            lines.append(f"lorries {trucks:,}, driving {load:.0%} of what they can{short}")
        level = mirror.supply_level(hover) if hover is not None else None
        return lines + ([f"supply here {level:.0%}"] if level is not None else [])
    if mode == "weather":
        today = mirror.weather_at(hover)
        if today is None or mirror.weather is None:
            return ["Map: weather (no report yet)"]
        lines = [
            f"Map: ground - {game_date(mirror.weather.date)}, {today.region}: {today.sky}, "
            f"{today.temp_c:.0f} C, ground {today.ground}, rivers {today.rivers}"
        ]
        if today.forecast:
            ahead = ", ".join(f"{sky} {temp:.0f} C" for _, sky, temp in today.forecast)
            lines.append(f"forecast: {ahead}")
        return lines
    if mode == "control":
        line = "Map: control - red Soviet, ochre Japanese"
        if mirror.control is None:
            return [line + " (no control map yet)"]
        if hover is not None and mirror.ground is not None and mirror.ground.contains(hover):
            holder = SIDE_TITLE.get(mirror.controller(hover) or "", "nobody")
            line += f"   here: {holder}"
        return [line]
    return []


def game_date(iso: str) -> str:
    """'1938-08-07' -> '07 Aug 1938'."""
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y")
    except ValueError:
        return iso


def hex_line(mirror: Mirror, h: tuple[int, int]) -> str:
    """What is under the pointer: terrain, place, objective holder, units seen there."""
    ground = mirror.ground
    if ground is None or not ground.contains(h):
        return ""
    parts = [f"hex {h[0]},{h[1]}", ground.terrain_name(h)]
    parts += [p.name for p in ground.data.places if (p.pos[0], p.pos[1]) == h]
    for o in mirror.objectives:
        if (o.pos[0], o.pos[1]) == h:
            holder = SIDE_TITLE.get(o.owner or "", "nobody")
            parts.append(f"objective held by {holder}")
    if not mirror.is_visible(h):
        parts.append("not in sight")
    units = mirror.units_at(h)
    if units:
        parts.append(", ".join(u.name for u in units))
    return "   ".join(parts)


def key_lines(keys: list[tuple[str, str]]) -> list[str]:
    width = max(len(k) for k, _ in keys)
    return [f"{k:<{width}}   {v}" for k, v in keys]
