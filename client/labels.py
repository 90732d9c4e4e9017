"""Which place names the map shows at a zoom: the important first, none on top of another.

Plain Python over screen boxes, so it is tested without a window: the renderer gives every
label its box and rank each time the camera moves, and shows the ones this returns.
"""

from __future__ import annotations

Box = tuple[float, float, float, float]  # x, y, width, height in screen pixels

# A place's rank by what it is worth; a rank is shown once a hex is at least this many pixels.
RANK_MIN_HEX_PX = (0.0, 14.0, 30.0)
GAP_PX = 2.0  # labels keep at least this far apart


def rank(victory: int, industry: int, port: int) -> int:
    """0 for the great cities, 1 for towns that count, 2 for the rest."""
    worth = victory + industry + port
    if victory >= 8 or worth >= 12:
        return 0
    if victory >= 3 or worth >= 5:
        return 1
    return 2


def shown(
    boxes: list[Box], ranks: list[int], hex_px: float, width: float, height: float
) -> list[bool]:
    """For each label: is it drawn? By rank (then in the order given), a label appears when the
    zoom allows its rank, it is on screen, and it does not overlap one already placed."""
    out = [False] * len(boxes)
    placed: list[Box] = []
    for i in sorted(range(len(boxes)), key=lambda i: (ranks[i], i)):
        if hex_px < RANK_MIN_HEX_PX[min(ranks[i], len(RANK_MIN_HEX_PX) - 1)]:
            continue
        x, y, w, h = boxes[i]
        if x + w < 0 or y + h < 0 or x > width or y > height:
            continue
        if any(
            x < px + pw + GAP_PX
            and px < x + w + GAP_PX
            and y < py + ph + GAP_PX
            and py < y + h + GAP_PX
            for px, py, pw, ph in placed
        ):
            continue
        placed.append(boxes[i])
        out[i] = True
    return out
