"""The server: one port serving the websocket endpoint ``/ws`` and plain HTTP ``/healthz`` and
``/metrics``; its lobby store (embedded or Redis), its registry heartbeat, and match placement.

Placement: when a lobby starts, the server handling the host's request picks the least-loaded
live server from the registry. If that is itself it hosts the match; otherwise it asks the other
one over the store's pub/sub (``server:<id>``). Whoever hosts first claims ``host:<lobby>`` in the
store, so however requests race, one match exists per lobby.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import secrets
import time
from collections import Counter
from http import HTTPStatus

import msgspec
from websockets.asyncio.server import Server as WsServer
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from server.config import Settings
from server.gateway import Session
from server.lobby import LobbyError, LobbyService
from server.match import FanoutLimits, MatchRunner, Spectating
from server.metrics import CONTENT_TYPE_LATEST, Metrics
from server.records import LobbyRecord, MatchRecord, ServerRecord
from server.store import LobbyStore, MemoryStore, StoreUnavailable
from shared import compiled
from shared import protocol as p
from shared import scenario as scenarios

log = logging.getLogger("khasan.server")

PLACEMENT_TIMEOUT = 5.0  # seconds to wait for another server to host a match
CLAIM_TTL = 24 * 3600.0


class PlaceRequest(msgspec.Struct):
    lobby: str
    reply: str


class PlaceReply(msgspec.Struct, omit_defaults=True):
    match: str | None = None
    url: str | None = None
    error: str | None = None


class Server:
    def __init__(self, settings: Settings, store: LobbyStore | None = None) -> None:
        self.settings = settings
        if store is None:
            if settings.redis_url:
                from server.redis_store import RedisStore

                store = RedisStore(settings.redis_url, settings.redis_prefix)
            else:
                store = MemoryStore()
        self.store: LobbyStore = store
        self.id = settings.server_id or "s-" + secrets.token_hex(4)
        self.lobbies = LobbyService(self.store, self._start_match, self.id, self._live_servers)
        self.matches: dict[str, MatchRunner] = {}
        self.sessions: set[Session] = set()
        self.errors: Counter[str] = Counter()
        self.metrics = Metrics()
        self.port = 0
        self.started = time.time()
        self.store_ok = True
        self.stopping = False
        self._ws: WsServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: list = []

    @property
    def url(self) -> str:
        return self.settings.url_for_clients(self.port)

    @property
    def internal_url(self) -> str:
        return self.settings.url_for_servers(self.port)

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        # The searches of paths, supply and the AI's staff work are compiled code: load (or
        # compile) them before any match needs them, not inside a tick.
        began = time.monotonic()
        log.info("loading the compiled searches (a first start compiles them: 10-20 s)")
        compiled.warm_up()
        log.info("compiled searches ready in %.1f s", time.monotonic() - began)
        self._ws = await serve(
            self._handle,
            self.settings.host,
            self.settings.port,
            process_request=self._http,
            compression=None,  # state is encoded once per view; see docs/performance.md
            max_size=self.settings.max_message_bytes,
            max_queue=32,
            ping_interval=20,
            ping_timeout=20,
            # A peer being closed for misbehaving may never answer the closing handshake
            # (a flooder's unread frames stall it): don't wait long for it.
            close_timeout=2,
        )
        self.port = next(iter(self._ws.sockets)).getsockname()[1]
        with contextlib.suppress(StoreUnavailable):
            await self._subscribe_control()
        with contextlib.suppress(StoreUnavailable):
            await self._heartbeat_once()
        self._tasks.append(asyncio.create_task(self._heartbeat(), name="heartbeat"))

    async def _subscribe_control(self) -> None:
        if not self._unsubscribe:
            self._unsubscribe.append(
                await self.store.subscribe(f"server:{self.id}", self._on_control)
            )

    async def stop(self) -> None:
        """Stop accepting, tell clients, finish the current tick, deregister, close."""
        self.stopping = True
        if self._ws is not None:
            self._ws.close(close_connections=False)  # no new connections from here on
        notice = p.encode(p.Notice(code="shutdown", message="the server is shutting down"))
        for session in list(self.sessions):
            session.push_raw(notice)
        match_ids = list(self.matches)
        for runner in list(self.matches.values()):
            await runner.stop()  # returns once its current tick is done
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._deregister(match_ids), 2.0)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._ws is not None:
            for session in list(self.sessions):
                await session.ws.close(1001, "server shutting down")
            await self._ws.wait_closed()
        await self.store.close()

    async def serve_forever(self) -> None:
        assert self._ws is not None
        await self._ws.serve_forever()

    # -- registry ---------------------------------------------------------------------------
    def record(self) -> ServerRecord:
        return ServerRecord(
            id=self.id,
            url=self.url,
            internal=self.internal_url,
            capacity=self.settings.capacity,
            connections=len(self.sessions),
            matches=sum(1 for m in self.matches.values() if not m.closed),
            started=self.started,
        )

    async def _heartbeat_once(self) -> None:
        ttl = self.settings.registry_ttl
        await self.store.put_server(self.record(), ttl)
        for runner in list(self.matches.values()):
            if not runner.closed:
                await self.store.put_match(self._match_record(runner), ttl)
        self.metrics.lobbies.set(len(await self.store.list_lobbies()))

    async def _heartbeat(self) -> None:
        """Refresh this server and its matches under their TTL; notice when the store returns."""
        while True:
            await asyncio.sleep(self.settings.heartbeat)
            try:
                await self._subscribe_control()
                await self._heartbeat_once()
                if not self.store_ok:
                    log.info("lobby store is back")
                self.store_ok = True
            except StoreUnavailable as e:
                if self.store_ok:
                    log.warning("lobby store unavailable: %s", e)
                self.store_ok = False
            except Exception:
                log.exception("heartbeat failed")
            self.metrics.connections.set(len(self.sessions))
            self.metrics.matches.set(len(self.matches))

    async def _deregister(self, match_ids: list[str]) -> None:
        await self.store.delete_server(self.id)
        for match_id in match_ids:
            await self.store.delete_match(match_id)

    async def _live_servers(self) -> set[str]:
        return {s.id for s in await self.store.list_servers()}

    def _match_record(self, runner: MatchRunner) -> MatchRecord:
        info = runner.info()
        return MatchRecord(
            id=runner.id,
            scenario=info.scenario,
            title=info.title,
            server=self.url,
            internal=self.internal_url,
            lobby=runner.lobby_id,
            time=info.time,
            hour=info.hour,
            players=info.players,
            spectators=info.spectators,
            finished=info.finished,
            spectator_delay=info.spectator_delay,
            password=info.password,
            spectators_allowed=info.spectators_allowed,
        )

    # -- HTTP and websocket entry points ----------------------------------------------------
    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/ws":
            if self.stopping:
                return _json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "shutting down"})
            return None  # carry on with the websocket handshake
        if path == "/healthz":
            body = await self.health()
            ok = body["status"] == "ok"
            return _json(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, body)
        if path == "/metrics":
            data = self.metrics.render()
            headers = Headers(
                [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(data)))]
            )
            return Response(200, "OK", headers, data)
        return _json(
            HTTPStatus.NOT_FOUND,
            {"error": "not found", "endpoints": ["/ws", "/healthz", "/metrics"]},
        )

    async def _handle(self, ws: ServerConnection) -> None:
        session = Session(self, ws)
        self.sessions.add(session)
        self.metrics.connections.set(len(self.sessions))
        try:
            await session.run()
        finally:
            self.metrics.connections.set(len(self.sessions))

    async def health(self) -> dict[str, object]:
        """Liveness, plus readiness: with Redis configured, Redis must answer."""
        store_ready = True
        if self.store.kind != "memory":
            try:
                await asyncio.wait_for(self.store.ping(), 1.5)
            except (StoreUnavailable, TimeoutError):
                store_ready = False
        status = "ok" if store_ready and not self.stopping else "unavailable"
        return {
            "status": status,
            "server": self.id,
            "url": self.url,
            "store": self.store.kind,
            "store_ready": store_ready,
            "connections": len(self.sessions),
            "capacity": self.settings.capacity,
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
        if code.startswith("order:"):
            self.metrics.orders_rejected.labels(code.removeprefix("order:")).inc()
        else:
            self.metrics.errors.labels(code).inc()

    # -- matches ----------------------------------------------------------------------------
    async def _start_match(self, lobby: LobbyRecord) -> tuple[str, str]:
        """Place the lobby's match on the least-loaded live server; return (match id, url)."""
        servers = [s for s in await self.store.list_servers() if s.id != self.id]
        mine = self.record()
        candidates = [mine, *servers]
        roomy = [s for s in candidates if s.load < 1.0] or candidates
        target = min(roomy, key=lambda s: (s.load, s.id != self.id, random.random()))
        if target.id != self.id:
            placed = await self._ask_to_host(target, lobby)
            if placed is not None:
                return placed
            log.warning("server %s did not host lobby %s; hosting here", target.id, lobby.id)
        return await self._host(lobby)

    async def _ask_to_host(
        self, target: ServerRecord, lobby: LobbyRecord
    ) -> tuple[str, str] | None:
        reply_channel = f"reply:{secrets.token_hex(8)}"
        answer: asyncio.Future[PlaceReply] = asyncio.get_running_loop().create_future()

        def on_reply(payload: bytes) -> None:
            if not answer.done():
                answer.set_result(msgspec.msgpack.decode(payload, type=PlaceReply))

        unsubscribe = await self.store.subscribe(reply_channel, on_reply)
        try:
            request = msgspec.msgpack.encode(PlaceRequest(lobby.id, reply_channel))
            await self.store.publish(f"server:{target.id}", request)
            reply = await asyncio.wait_for(answer, PLACEMENT_TIMEOUT)
        except TimeoutError:
            return None
        finally:
            unsubscribe()
        if reply.match and reply.url:
            return reply.match, reply.url
        return None

    async def _on_control(self, payload: bytes) -> None:
        """Another server asks this one to host a lobby's match."""
        try:
            req = msgspec.msgpack.decode(payload, type=PlaceRequest)
        except msgspec.DecodeError:
            log.warning("undecodable control message")
            return

        async def host() -> None:
            try:
                lobby = await self.store.get_lobby(req.lobby)
                if lobby is None:
                    raise LobbyError("unknown_lobby")
                match_id, url = await self._host(lobby)
                reply = PlaceReply(match=match_id, url=url)
            except Exception as e:
                reply = PlaceReply(error=str(e))
            with contextlib.suppress(StoreUnavailable):
                await self.store.publish(req.reply, msgspec.msgpack.encode(reply))

        # Not awaited inline: the pub/sub reader must not wait on the store it reads from.
        self._tasks.append(asyncio.create_task(host()))

    async def _host(self, lobby: LobbyRecord) -> tuple[str, str]:
        holder = await self.store.claim(f"host:{lobby.id}", self.id, CLAIM_TTL)
        if holder != self.id:
            raise LobbyError("lobby_started", "another server is already hosting this match")
        scenario = scenarios.load(lobby.scenario)
        world = scenarios.build_world(scenario, lobby.seed)
        match_id = "m-" + secrets.token_hex(4)
        settings = self.settings
        runner = MatchRunner(
            match_id,
            world,
            scenario,
            speed=lobby.speed,
            ai_seats={s: seat.ai for s, seat in lobby.seats.items() if seat.ai},
            human_seats={s: seat.player for s, seat in lobby.seats.items() if seat.player},
            tick_rate=settings.tick_rate,
            limits=FanoutLimits(settings.send_buffer_limit, settings.lag_timeout),
            lobby_id=lobby.id,
            on_finish=self._match_finished,
            linger=settings.match_linger,
            network_every=max(1, round(settings.tick_rate / settings.network_rate)),
            reconnect_grace=settings.reconnect_grace,
            metrics=self.metrics,
            spectating=Spectating(lobby.spectators_allowed, lobby.password, lobby.spectator_delay),
        )
        self.matches[match_id] = runner
        task = runner.start()
        task.add_done_callback(lambda _t: self._match_closed(match_id))
        with contextlib.suppress(StoreUnavailable):
            await self.store.put_match(self._match_record(runner), settings.registry_ttl)
        log.info("match %s started: %s (lobby %s)", match_id, scenario.name, lobby.id)
        return match_id, self.url

    def _match_closed(self, match_id: str) -> None:
        self.matches.pop(match_id, None)

        async def forget() -> None:
            with contextlib.suppress(StoreUnavailable):
                await self.store.delete_match(match_id)

        if not self.stopping:
            self._tasks.append(asyncio.get_running_loop().create_task(forget()))

    async def _match_finished(self, runner: MatchRunner) -> None:
        log.info("match %s finished: %s", runner.id, runner.world.result)
        if runner.lobby_id is not None:
            with contextlib.suppress(StoreUnavailable):
                await self.lobbies.close(runner.lobby_id)

    async def match_infos(self) -> list[p.MatchInfo]:
        """Every running match of the service (from the store), or this server's alone when the
        store is away."""
        local = {m.id: m.info(self.url) for m in self.matches.values() if not m.closed}
        try:
            records = await self.store.list_matches()
        except StoreUnavailable:
            return [local[k] for k in sorted(local)]
        out = []
        for rec in records:
            if rec.id in local:
                out.append(local[rec.id])
            else:
                out.append(
                    p.MatchInfo(
                        id=rec.id,
                        scenario=rec.scenario,
                        title=rec.title,
                        time=rec.time,
                        hour=rec.hour,
                        players=rec.players,
                        spectators=rec.spectators,
                        finished=rec.finished,
                        url=rec.server,
                        spectator_delay=rec.spectator_delay,
                        password=rec.password,
                        spectators_allowed=rec.spectators_allowed,
                    )
                )
        out += [info for mid, info in local.items() if mid not in {r.id for r in records}]
        return sorted(out, key=lambda m: m.id)

    def find_match(self, match_id: str) -> MatchRunner | None:
        """A running match of this server by id, or with ``first`` the oldest unfinished one."""
        if match_id == "first":
            running = [m for m in self.matches.values() if not m.closed and not m.world.finished]
            return running[0] if running else None
        runner = self.matches.get(match_id)
        return runner if runner is not None and not runner.closed else None

    async def locate_match(self, match_id: str) -> MatchRecord | None:
        """The record of a match running elsewhere in the service, if any."""
        try:
            if match_id == "first":
                records = [r for r in await self.store.list_matches() if not r.finished]
                return records[0] if records else None
            return await self.store.get_match(match_id)
        except StoreUnavailable:
            return None


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


async def run(settings: Settings, stop: asyncio.Event) -> None:
    server = Server(settings)
    await server.start()
    print(f"Khasan server listening on {settings.local_url(server.port)}", flush=True)
    if server.url != settings.local_url(server.port):
        print(f"Clients are told to connect to {server.url}", flush=True)
    log.info(
        "server %s up: store=%s url=%s capacity=%d",
        server.id,
        server.store.kind,
        server.url,
        settings.capacity,
    )
    try:
        await stop.wait()
    finally:
        log.info("server %s shutting down", server.id)
        await server.stop()
