"""``khasan-client``: open the game window against a server.

Without ``--server`` it opens on the start screen, prefilled from the settings file
(``client.settings``), to type the server's address and your name; with it, it connects at once
and shows the lobby browser. ``--create SCENARIO`` is the quick way to play: it
creates a lobby with the other side played by the AI, takes ``--side``, gets ready and starts.
``--watch first`` spectates the oldest running match. ``--screenshot FILE`` saves the first
frame that shows the map with units and exits (0 on success, 1 with a message if that never
happens within ``--timeout`` seconds), which is how the window is tested under Xvfb.
"""

from __future__ import annotations

import argparse
import sys

from client import settings
from client.session import Plan
from shared.units import SIDES, enemy_of

AI_LEVELS = ("easy", "normal", "hard")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="khasan-client", description="The Khasan 1938 game window."
    )
    parser.add_argument(
        "--server",
        help="websocket URL of the server; without it the start screen asks (prefilled with "
        "the last one that worked)",
    )
    parser.add_argument("--name", help="your display name (default: the last one used)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--watch", metavar="MATCH", help="spectate a match: its id, or 'first'")
    what.add_argument(
        "--create",
        metavar="SCENARIO",
        help="create a game against the AI on SCENARIO and start it at once",
    )
    what.add_argument("--lobby", metavar="ID", help="join lobby ID on --side and get ready")
    parser.add_argument(
        "--side",
        choices=SIDES,
        default="soviet",
        help="the side you play with --create or --lobby (default %(default)s)",
    )
    parser.add_argument(
        "--ai-level",
        choices=AI_LEVELS,
        default="normal",
        help="strength of the AI opponent (default %(default)s)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="game hours per real second for games you create (0.1-200)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help="save the first frame showing map and units as PNG, then exit",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds --screenshot waits before giving up (default %(default)s)",
    )
    parser.add_argument("--width", type=int, help="window width (default: as last time)")
    parser.add_argument("--height", type=int, help="window height (default: as last time)")
    args = parser.parse_args(argv)
    if not 0.1 <= args.speed <= 200.0:
        parser.error("--speed must be between 0.1 and 200 game hours per second")
    if args.name is not None and not 1 <= len(args.name) <= 32:
        parser.error("--name must be 1 to 32 characters")
    return args


def plan_from(args: argparse.Namespace) -> Plan:
    if args.watch:
        return Plan(watch=args.watch)
    if args.create:
        return Plan(
            create=args.create,
            side=args.side,
            ai={enemy_of(args.side): args.ai_level},
            speed=args.speed,
            teammates=args.ai_level,
        )
    if args.lobby:
        return Plan(lobby=args.lobby, side=args.side, start=False)
    return Plan(ready=False, start=False, speed=args.speed)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    remembered = settings.load()
    server = args.server
    if server is None and (args.create or args.watch or args.lobby or args.screenshot):
        server = remembered.server  # told what to do: no start screen, the last server
    # pyglet is imported only now, so --help works without a display.
    try:
        from client.app import AppOptions, ClientApp

        app = ClientApp(
            AppOptions(
                server=server,
                name=args.name or remembered.name,
                plan=plan_from(args),
                width=args.width or remembered.width,
                height=args.height or remembered.height,
                screenshot=args.screenshot,
                screenshot_timeout=args.timeout,
                scenario=args.create or remembered.scenario,
                ai_level=args.ai_level,
                speed=args.speed,
                settings=remembered,
                remember=not args.screenshot,
            )
        )
    except Exception as e:  # no display, no OpenGL: say so plainly
        if type(e).__name__ in ("NoSuchDisplayException", "NoSuchConfigException"):
            print(f"khasan-client: cannot open a window: {e}", file=sys.stderr)
            return 2
        raise
    return app.run()


if __name__ == "__main__":
    sys.exit(main())
