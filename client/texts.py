"""Every line of text the window shows, composed from the mirror in plain Python.

Keeping the words apart from pyglet means the HUD, the lobby screen and the help overlay are
tested without a window, and the key list shown in F1 is the same list the app dispatches on.
"""

from __future__ import annotations

from datetime import datetime

from client.mirror import Mirror
from shared.protocol import LobbyInfo, UnitView

SIDE_TITLE = {"soviet": "Soviet", "japan": "Japanese", "spectator": "Spectator"}

MATCH_KEYS: list[tuple[str, str]] = [
    ("Left click", "select a unit (click again to cycle through a stack)"),
    ("Right click", "order the selected unit to march to that hex"),
    ("H", "hold: the selected unit stops where it is"),
    ("Tab / Shift+Tab", "next / previous of your units"),
    ("C", "centre the map on the selected unit"),
    ("Drag, arrows, WASD", "pan the map"),
    ("Wheel, = / -", "zoom (the wheel zooms about the cursor)"),
    ("Home", "show the whole map"),
    ("M", "map mode: terrain / supply / weather / control (spectators: each side's supply)"),
    ("Space", "pause / resume the match"),
    ("[ / ]", "half / double the game speed"),
    ("T", "type a chat line (Enter sends, Esc cancels)"),
    ("F1", "show / hide this help"),
    ("F12", "save a screenshot (khasan-<time>.png)"),
    ("Esc", "close help, deselect; after the match, back to the lobby"),
    ("Ctrl+Q", "quit"),
]

LOBBY_KEYS: list[tuple[str, str]] = [
    ("1 / 2", "new game against the AI, playing Soviet / Japanese"),
    ("3", "new game for two players (you take Soviet, the Japanese seat is open)"),
    ("N", "choose the scenario for new games"),
    ("Up / Down", "pick a lobby in the list"),
    ("S / J / V", "join the picked lobby as Soviet / Japanese / spectator"),
    ("R", "ready / not ready"),
    ("Enter", "start the match (host, once everyone is ready)"),
    ("L", "leave the lobby"),
    ("W", "watch the oldest running match"),
    ("F5", "refresh the lists"),
    ("Ctrl+Q", "quit"),
]


def game_time(iso: str) -> str:
    """'1938-07-29T04:00' -> '29 Jul 1938 04:00'; anything unparsable is shown as it came."""
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y %H:%M")
    except ValueError:
        return iso


def top_line(mirror: Mirror) -> str:
    view = SIDE_TITLE.get(mirror.view or "", mirror.view or "?")
    state = (
        "PAUSED" + (f" by {mirror.paused_by}" if mirror.paused_by else "")
        if mirror.paused
        else f"{mirror.speed:g} h/s"
    )
    parts = [
        mirror.title or "Khasan",
        f"{game_time(mirror.time)} (hour {mirror.hour})",
        state,
        f"{view} view",
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
        if unit.order == "move" and unit.to is not None:
            steps = len(unit.path) if unit.path else 0
            order = f"march to {unit.to[0]},{unit.to[1]} ({steps} hexes to go)"
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


def mode_lines(mirror: Mirror, mode: str, hover: tuple[int, int] | None = None) -> list[str]:
    """The legend of the map mode shown, with what it says about the hex under the pointer."""
    if mode == "supply":
        sm = mirror.shown_supply()
        side = SIDE_TITLE.get(mirror.supply_side or "", "?")
        if sm is None:
            return [f"Map: {side} supply (no supply map yet)"]
        line = f"Map: {side} supply, day {sm.day} - red unsupplied to green full"
        line += f", {len(sm.railheads)} railheads"
        level = mirror.supply_level(hover) if hover is not None else None
        return [line] + ([f"supply here {level:.0%}"] if level is not None else [])
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


def feed(mirror: Mirror, count: int) -> list[str]:
    """The last ``count`` events and chat lines, oldest first."""
    out = []
    for line in list(mirror.log)[-count:]:
        prefix = f"h{line.hour} " if line.hour is not None else ""
        out.append(f"{prefix}{line.text}")
    return out


def seat_text(lobby: LobbyInfo, me: str | None) -> list[str]:
    lines = []
    for seat in lobby.seats:
        side = SIDE_TITLE.get(seat.side, seat.side)
        if seat.ai:
            who = f"AI ({seat.ai})"
        elif seat.player:
            who = (seat.name or seat.player) + (" (you)" if seat.player == me else "")
            who += "  - ready" if seat.ready else "  - not ready"
        else:
            who = "open"
        lines.append(f"  {side:<10} {who}")
    if lobby.spectators:
        lines.append(f"  {lobby.spectators} spectator(s)")
    return lines


def lobby_lines(mirror: Mirror, picked: int, scenario: str) -> list[str]:
    """The lobby screen body: your lobby, open lobbies, running matches."""
    lines: list[str] = []
    me = mirror.player
    lobby = mirror.lobby
    if lobby is not None and lobby.state == "open":
        host = " (you are host)" if lobby.host == me else ""
        lines += [
            f"Your lobby: {lobby.name} - {lobby.title} [{lobby.id}] at {lobby.speed:g} h/s{host}",
            *seat_text(lobby, me),
            "",
        ]
    lines.append(f"Scenario for new games: {scenario}")
    lines.append("")
    open_lobbies = [lob for lob in mirror.lobbies if lob.state == "open"]
    lines.append(f"Open lobbies ({len(open_lobbies)}):" if open_lobbies else "No open lobbies.")
    for i, lob in enumerate(open_lobbies):
        mark = ">" if i == picked else " "
        seats = ", ".join(
            f"{SIDE_TITLE.get(s.side, s.side)}: "
            + (f"AI {s.ai}" if s.ai else (s.name or "taken") if s.player else "open")
            for s in lob.seats
        )
        lines.append(f" {mark} {lob.name} - {lob.title} [{lob.id}]  {seats}")
    running = [m for m in mirror.matches if not m.finished]
    if running:
        lines.append("")
        lines.append(f"Running matches ({len(running)}):")
        for m in running:
            lines.append(f"   {m.id}: {m.title}, {game_time(m.time)}, {m.spectators} watching")
    return lines


def key_lines(keys: list[tuple[str, str]]) -> list[str]:
    width = max(len(k) for k, _ in keys)
    return [f"{k:<{width}}   {v}" for k, v in keys]
