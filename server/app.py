"""The server: one port serving the websocket endpoint ``/ws`` and plain HTTP ``/healthz``."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import Counter
from http import HTTPStatus

from websockets.asyncio.server import Server as WsServer
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from server.config import Settings
from server.gateway import Session
from server.lobby import LobbyService
from server.match import FanoutLimits, MatchRunner
from server.records import LobbyRecord
from server.store import LobbyStore, MemoryStore
from shared import scenario as scenarios

log = logging.getLogger("khasan.server")


class Server:
    def __init__(self, settings: Settings, store: LobbyStore | None = None) -> None:
        self.settings = settings
        self.store: LobbyStore = store if store is not None else MemoryStore()
        self.lobbies = LobbyService(self.store, self._start_match)
        self.matches: dict[str, MatchRunner] = {}
        self.sessions: set[Session] = set()
        self.errors: Counter[str] = Counter()
        self.port = 0
        self._ws: WsServer | None = None

    @property
    def url(self) -> str:
        return self.settings.url_for_clients(self.port)

    async def start(self) -> None:
        self._ws = await serve(
            self._handle,
            self.settings.host,
            self.settings.port,
            process_request=self._http,
            compression=None,  # state streams are encoded once per view; see docs/performance.md
            max_size=self.settings.max_message_bytes,
            max_queue=32,
            ping_interval=20,
            ping_timeout=20,
        )
        self.port = next(iter(self._ws.sockets)).getsockname()[1]

    async def stop(self) -> None:
        for runner in list(self.matches.values()):
            await runner.stop()
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        await self.store.close()

    async def serve_forever(self) -> None:
        assert self._ws is not None
        await self._ws.serve_forever()

    # -- HTTP and websocket entry points ----------------------------------------------------
    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/ws":
            return None  # carry on with the websocket handshake
        if path == "/healthz":
            return _json(HTTPStatus.OK, self.health())
        return _json(HTTPStatus.NOT_FOUND, {"error": "not found", "endpoints": ["/ws", "/healthz"]})

    async def _handle(self, ws: ServerConnection) -> None:
        session = Session(self, ws)
        self.sessions.add(session)
        await session.run()

    def health(self) -> dict[str, object]:
        return {
            "status": "ok",
            "connections": len(self.sessions),
            "matches": {
                m.id: {
                    "scenario": m.scenario.name,
                    "hour": m.world.hour,
                    "finished": m.world.finished,
                    "connections": m.connections,
                    "ticks": m.stats.ticks,
                    "tick_overruns": m.stats.overruns,
                    "tick_mean_ms": round(1000 * m.stats.total_s / max(1, m.stats.ticks), 3),
                    "tick_max_ms": round(1000 * m.stats.max_s, 3),
                    "frames_sent": m.stats.frames_sent,
                    "lag_skips": m.stats.lag_skips,
                    "bytes_sent": m.stats.bytes_sent,
                }
                for m in self.matches.values()
            },
            "errors": dict(self.errors),
        }

    def metrics_error(self, code: str) -> None:
        self.errors[code] += 1

    # -- matches ----------------------------------------------------------------------------
    async def _start_match(self, lobby: LobbyRecord) -> tuple[str, str]:
        scenario = scenarios.load(lobby.scenario)
        world = scenarios.build_world(scenario, lobby.seed)
        match_id = "m-" + secrets.token_hex(4)
        runner = MatchRunner(
            match_id,
            world,
            scenario,
            speed=lobby.speed,
            ai_seats={s: seat.ai for s, seat in lobby.seats.items() if seat.ai},
            human_seats={s: seat.player for s, seat in lobby.seats.items() if seat.player},
            tick_rate=self.settings.tick_rate,
            limits=FanoutLimits(self.settings.send_buffer_limit, self.settings.lag_timeout),
            lobby_id=lobby.id,
            on_finish=self._match_finished,
            linger=self.settings.match_linger,
        )
        self.matches[match_id] = runner
        task = runner.start()
        task.add_done_callback(lambda _t: self.matches.pop(match_id, None))
        log.info("match %s started: %s (lobby %s)", match_id, scenario.name, lobby.id)
        return match_id, self.url

    async def _match_finished(self, runner: MatchRunner) -> None:
        log.info("match %s finished: %s", runner.id, runner.world.result)
        if runner.lobby_id is not None:
            await self.lobbies.close(runner.lobby_id)

    def match_infos(self) -> list:
        return [m.info() for m in sorted(self.matches.values(), key=lambda m: m.id)]

    def find_match(self, match_id: str) -> MatchRunner | None:
        """A running match by id, or with ``first`` the longest-running unfinished one."""
        if match_id == "first":
            running = [m for m in self.matches.values() if not m.closed and not m.world.finished]
            return running[0] if running else None
        runner = self.matches.get(match_id)
        return runner if runner is not None and not runner.closed else None


def _json(status: HTTPStatus, body: dict[str, object]) -> Response:
    data = json.dumps(body).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, data)


async def run(settings: Settings) -> None:
    server = Server(settings)
    await server.start()
    print(f"Khasan server listening on {server.url}", flush=True)
    try:
        await server.serve_forever()
    except asyncio.CancelledError:
        pass
    finally:
        await server.stop()
