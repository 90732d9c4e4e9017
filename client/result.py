"""The result panel shown over the final map when a match ends: who won, why, and the tally.

Plain Python over the ``Mirror``. Objectives and victory points come from the last objectives
the view received; forces are the units this view still sees (all of them for a spectator of
the whole map, so a player's count of enemy units is only what was in sight at the end).
"""

from __future__ import annotations

from client.mirror import Mirror
from client.texts import SIDE_TITLE, game_time
from client.ui import Column, Item, Rect

SIDES = ("soviet", "japan")
BACK = "back"  # the button's action: back to the lobby browser

REASONS = {
    "destroyed": "the enemy's ground forces were destroyed",
    "objectives": "every objective held at the end",
    "points": "victory points at the end",
    "draw": "neither side reached its goal",
}


def headline(mirror: Mirror) -> str:
    winner = SIDE_TITLE.get(mirror.winner or "")
    if winner is None:
        return "Draw"
    if mirror.view in SIDES:
        return "Victory" if mirror.winner == mirror.view else "Defeat"
    return f"{winner} victory"


def tally(mirror: Mirror) -> list[str]:
    """Per side: objectives and their points, then the forces this view sees."""
    lines = []
    for side in SIDES:
        held = [o for o in mirror.objectives if o.owner == side]
        points = sum(o.value for o in held)
        units = [u for u in mirror.units.values() if u.side == side and not u.stale]
        men = sum(round(u.men * u.strength) for u in units)
        seen = "" if mirror.view in ("spectator", side) else " seen"
        lines.append(
            f"{SIDE_TITLE[side]}: {len(held)} objective(s), {points} point(s); "
            f"{len(units)} units{seen}, {men:,} men in the field"
        )
    neutral = [o for o in mirror.objectives if o.owner is None]
    if neutral:
        lines.append(f"Held by nobody: {len(neutral)} objective(s)")
    return lines


def result_lines(mirror: Mirror) -> list[str]:
    reason = mirror.result or "over"
    return [
        f"{mirror.title or 'The match'} is over, {game_time(mirror.time)} (hour {mirror.hour})",
        f"{SIDE_TITLE.get(mirror.winner or '', 'Nobody')} wins: {REASONS.get(reason, reason)}"
        if mirror.winner
        else f"Draw: {REASONS.get(reason, reason)}",
        "",
        *tally(mirror),
    ]


def layout(mirror: Mirror, width: float, height: float) -> list[Item]:
    """A panel in the middle of the window; the final map stays visible around it."""
    lines = result_lines(mirror)
    w = min(width - 40, max(560.0, 8.0 * max(len(line) for line in lines) + 60))
    h = 40 + 22 * len(lines) + 70
    x, y = (width - w) / 2, (height - h) / 2
    col = Column(x + 20, y + h - 12, w - 40)
    col.items.append(Item(Rect(x, y, w, h), "", "modal"))
    col.line(headline(mirror), "title", h=36)
    for line in lines:
        col.line(line, "text", h=22)
    col.skip(12)
    col.buttons([("Back to lobbies (Esc)", BACK)], width=200)
    return col.items
