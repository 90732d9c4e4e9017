"""``khasan-bot``: play one side headless over the protocol, with the game's own AI.

The bot is a client like the window: a ``Session`` and its ``Mirror`` over one websocket, but in
its own asyncio loop (no thread, no pyglet). Once per game hour at most, it turns what its mirror
shows into ``shared.ai`` inputs and sends the orders ``decide`` returns, so it sees exactly what
a human on that side would. It prints one line per notable thing and exits 0 when the match ends.

    khasan-bot --server ws://127.0.0.1:8765/ws --side japan --create lake-khasan --vs-ai
    khasan-bot --server ws://127.0.0.1:8765/ws --side japan --lobby L1234
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from client.mirror import Mirror
from client.net import MAX_INCOMING_BYTES, OPEN_TIMEOUT_S, describe_close, describe_connect_error
from client.session import (
    RECONNECT_DELAY_S,
    Connected,
    Disconnected,
    Plan,
    RequestIds,
    Session,
)
from shared import ai_staff
from shared.ai import LEVEL_CAUTION, SeenObjective, SeenUnit, Staff, decide
from shared.hexgrid import Hex
from shared.orders import OrderRequest
from shared.protocol import (
    MAX_ORDERS_PER_MESSAGE,
    Message,
    Orders,
    OrdersResult,
    ProtocolError,
    decode_server,
    encode,
)
from shared.units import SIDES, enemy_of

EXIT_OK, EXIT_FAILED, EXIT_UNREACHABLE = 0, 1, 2


def seen_units(mirror: Mirror) -> list[SeenUnit]:
    """The mirror's units as the AI takes them: own units with orders, enemies in sight now
    (stale markers of enemies last seen elsewhere are left out, as the server's AI does)."""
    return [
        SeenUnit(
            u.id,
            u.side,
            u.kind,
            (u.pos[0], u.pos[1]),
            u.strength,
            u.org,
            u.men,
            u.order,
            (u.to[0], u.to[1]) if u.to is not None else None,
            u.mission,
            u.cut_off,
            u.food,
            u.supply,
        )
        for u in sorted(mirror.units.values(), key=lambda u: u.id)
        if not u.stale
    ]


def seen_objectives(mirror: Mirror) -> list[SeenObjective]:
    return [
        SeenObjective(o.name, (o.pos[0], o.pos[1]), o.owner, o.value) for o in mirror.objectives
    ]


def seen_staff(mirror: Mirror, side: str) -> Staff | None:
    """The staff's picture from the map, the side's daily control and supply maps and the
    frames, as the server's AI builds it from the world (None before the first of the daily
    maps arrive, or without logistics)."""
    supply = mirror.supply.get(side)
    if mirror.ground is None or mirror.control is None or supply is None:
        return None
    data, grid = mirror.ground.data, mirror.ground.grid
    control = np.frombuffer(mirror.control, dtype=np.uint8)
    water = mirror.ground.terrain_names.index("water")
    land = ai_staff.land_of(data.terrain, water)
    held = [(o.pos[0], o.pos[1]) for o in mirror.objectives if o.owner == side]
    defensive = data.postures.get(side) == "defensive"

    def passable(h: Hex) -> bool:
        return grid.contains(h) and data.terrain[grid.index(h)] != water

    return Staff(
        ai_staff.front_hexes(control, land, grid.cols, grid.rows, side, held),
        [(h[0], h[1]) for h in supply.works],
        sorted((q, r) for q, r, _ in supply.railheads),
        defensive,
        passable,
        # Only a side that may attack goes after pockets (as ``ai.from_world``).
        []
        if defensive or mirror.ceasefire
        else ai_staff.pockets(control, land, grid.cols, grid.rows, side),
        mirror.ceasefire,
        {(q, r): level for q, r, level in data.forts},
        frozenset((q, r) for q, r in supply.open_rail),
    )


class Bot:
    """Decides and sends a side's orders from the mirror, at most once per game hour."""

    def __init__(self, session: Session, side: str, level: str, say: Callable[[str], None]):
        self.session = session
        self.side = side
        self.level = level
        self.say = say
        self.last_hour: int | None = None
        self.orders_sent = 0
        self.refused = 0

    def think(self) -> None:
        m = self.session.mirror
        if m.view != self.side or not m.in_match or m.finished or m.awaiting_snapshot:
            return
        if self.last_hour is not None and m.hour < self.last_hour + 1:
            return
        self.last_hour = m.hour
        hex_km = m.ground.hex_km if m.ground is not None else None
        staff = seen_staff(m, self.side)
        orders = decide(self.side, seen_units(m), seen_objectives(m), self.level, hex_km, staff)
        if m.seat is not None:  # a teammate's formations are theirs to order, not the bot's
            orders = [o for o in orders if _command(m, o.unit) in (None, m.seat)]
        for i in range(0, len(orders), MAX_ORDERS_PER_MESSAGE):
            self.session.send(Orders(orders=orders[i : i + MAX_ORDERS_PER_MESSAGE]))
        if orders:
            self.orders_sent += len(orders)
            self.say(f"hour {m.hour}: sent {len(orders)} order(s): {_summary(orders)}")

    def results(self, msg: OrdersResult) -> None:
        bad = [r for r in msg.results if not r.ok]
        if bad:
            self.refused += len(bad)
            text = ", ".join(f"{r.unit} {r.code}" for r in bad)
            self.say(f"hour {self.session.mirror.hour}: {len(bad)} order(s) refused: {text}")


def _command(mirror: Mirror, unit_id: str) -> str | None:
    unit = mirror.units.get(unit_id)
    return unit.command if unit is not None else None


def _summary(orders: list[OrderRequest]) -> str:
    parts = [f"{o.unit} {o.kind}" + (f" {o.to[0]},{o.to[1]}" if o.to else "") for o in orders]
    return "; ".join(parts[:4]) + (f"; +{len(parts) - 4} more" if len(parts) > 4 else "")


async def play(url: str, name: str, plan: Plan, side: str, level: str) -> int:
    """Connect, follow the plan into a match, play it to the end. Returns the exit code."""
    ids = RequestIds()
    outbox: list[bytes] = []

    def send(msg: Message) -> int | None:
        rid = ids.stamp(msg)
        outbox.append(encode(msg))
        return rid

    def say(line: str) -> None:
        print(f"khasan-bot: {line}", flush=True)

    session = Session(name, send, plan)
    bot = Bot(session, side, level, say)
    said = 0

    def flush_notes() -> None:
        nonlocal said
        for line in session.notes[said:]:
            say(line)
        said = len(session.notes)

    ever_connected = False
    while True:
        try:
            ws = await connect(
                url,
                compression=None,
                open_timeout=OPEN_TIMEOUT_S,
                max_size=MAX_INCOMING_BYTES,
                proxy=None,
            )
        except Exception as e:
            if not ever_connected:
                say(describe_connect_error(url, e))
                return EXIT_UNREACHABLE
            session.receive(Disconnected(describe_connect_error(url, e)), time.monotonic())
        else:
            ever_connected = True
            outbox.clear()  # anything queued for a dead connection is moot
            session.receive(Connected(url), time.monotonic())
            try:
                async with ws:
                    await converse(ws, session, bot, outbox, flush_notes)
            except ConnectionClosed as e:
                session.receive(Disconnected(describe_close(e)), time.monotonic())
        flush_notes()
        if session.fatal:
            say(f"giving up: {session.fatal}")
            return EXIT_FAILED
        if session.ended:
            say(f"done: {bot.orders_sent} orders sent, {bot.refused} refused")
            return EXIT_OK
        if session.switch_to:
            url, session.switch_to = session.switch_to, None
        elif session.reconnect:
            session.reconnect = False
            await asyncio.sleep(RECONNECT_DELAY_S)


async def converse(
    ws: ClientConnection,
    session: Session,
    bot: Bot,
    outbox: list[bytes],
    flush_notes: Callable[[], None],
) -> None:
    """Exchange messages until the match ends, the session gives up, or it must move."""
    while True:
        for data in outbox:
            await ws.send(data)
        outbox.clear()
        flush_notes()
        if session.fatal or session.ended or session.switch_to:
            return
        data = await ws.recv()
        if isinstance(data, str):
            continue
        try:
            msg = decode_server(data)
        except ProtocolError as e:
            session.note(f"ignored an undecodable message: {e}")
            continue
        session.receive(msg, time.monotonic())
        if isinstance(msg, OrdersResult):
            bot.results(msg)
        bot.think()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="khasan-bot", description="Play one side of a Khasan match headless with the AI."
    )
    parser.add_argument("--server", required=True, help="websocket URL, ws://HOST:PORT/ws")
    parser.add_argument("--side", choices=SIDES, required=True, help="the side the bot plays")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--lobby", metavar="ID", help="join this lobby on --side and get ready")
    where.add_argument(
        "--create",
        metavar="SCENARIO",
        help="create a lobby on SCENARIO; the other side waits for a human",
    )
    parser.add_argument(
        "--vs-ai",
        action="store_true",
        help="with --create: the other side is played by the server's AI",
    )
    parser.add_argument(
        "--opponent-level",
        choices=sorted(LEVEL_CAUTION),
        default="normal",
        help="with --vs-ai: the server AI's level (default %(default)s)",
    )
    parser.add_argument(
        "--level",
        choices=sorted(LEVEL_CAUTION),
        default="normal",
        help="how boldly the bot attacks (default %(default)s)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="with --create: game hours per real second, 0.1-200",
    )
    parser.add_argument("--name", default="bot", help="display name (default %(default)s)")
    args = parser.parse_args(argv)
    if args.vs_ai and not args.create:
        parser.error("--vs-ai goes with --create")
    if not 0.1 <= args.speed <= 200.0:
        parser.error("--speed must be between 0.1 and 200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.create:
        plan = Plan(
            create=args.create,
            side=args.side,
            ai={enemy_of(args.side): args.opponent_level} if args.vs_ai else {},
            speed=args.speed,
            teammates=args.level,
            lobby_name=f"{args.name} ({args.side})",
        )
    else:
        plan = Plan(lobby=args.lobby, side=args.side, start=False)
    try:
        return asyncio.run(play(args.server, args.name, plan, args.side, args.level))
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
