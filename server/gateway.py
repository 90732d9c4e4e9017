"""The websocket gateway: one ``Session`` per connection, from ``hello`` to close.

Every frame is decoded and validated by ``shared.protocol`` before anything acts on it; every
failure becomes an ``error`` reply (or, for what cannot be answered, a close). Nothing a client
sends can raise out of a session or into a match's tick.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from server.limits import TokenBucket
from server.lobby import LobbyError, check_password, lobby_channel, lobby_info, player_channel
from server.match import MatchRunner, push
from server.records import SessionRecord
from server.store import StoreUnavailable
from shared import protocol as p
from shared.views import SPECTATOR

if TYPE_CHECKING:
    from server.app import Server

log = logging.getLogger("khasan.gateway")

SESSION_TTL = 24 * 3600.0  # a welcome token resumes the same player for this long


class Session:
    def __init__(self, server: Server, ws: ServerConnection) -> None:
        self.server = server
        self.ws = ws
        self.player: str | None = None
        self.name: str | None = None
        self.token: str | None = None
        self.upstream: ClientConnection | None = None  # the match's server, when relaying
        self._pump: asyncio.Task[None] | None = None
        self._leaving = False  # a relayed match.leave is on its way
        self._leave_id: int | None = None
        self.lobby: str | None = None
        self.match: MatchRunner | None = None
        self.view: str | None = None  # a side, or spectator
        self.seat: str | None = None  # the command a player holds in the match
        self.lagging_since: float | None = None
        self.bucket = TokenBucket(server.settings.rate_limit, server.settings.rate_burst)
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self._last_rate_error = 0.0

    # -- the connection ---------------------------------------------------------------------
    async def run(self) -> None:
        try:
            async for data in self.ws:
                await self._on_frame(data)
        except ConnectionClosed:
            pass
        finally:
            await self._cleanup()

    def send(self, message: p.Message) -> None:
        push(self.ws, p.encode(message))

    def push_raw(self, frame: bytes) -> None:
        push(self.ws, frame)

    def error(self, code: str, message: str | None = None, re: int | None = None) -> None:
        self.server.metrics_error(code)
        self.send(p.Error(re=re, code=code, message=message or p.ERROR_CODES.get(code, code)))

    async def _on_frame(self, data: str | bytes) -> None:
        if not self.bucket.take():
            if self.bucket.refused > self.server.settings.flood_close:
                await self.ws.close(1008, "flooding")
                return
            now = time.monotonic()
            if now - self._last_rate_error > 1.0:
                self._last_rate_error = now
                self.error("rate_limited")
            return
        if isinstance(data, str):
            self.error("bad_message", "send binary frames holding msgpack, not text")
            return
        try:
            msg = p.decode_client(data)
        except p.ProtocolError as e:
            self.error("bad_message", str(e), p.request_id(data))
            return
        handler = _HANDLERS[type(msg)]
        if self.player is None and not isinstance(msg, p.Hello | p.Ping):
            self.error("not_ready", re=msg.id)
            return
        if self.upstream is not None and isinstance(msg, _RELAYED):
            await self._forward(data, msg)
            return
        try:
            await handler(self, msg)
        except LobbyError as e:
            self.error(e.code, str(e), msg.id)
        except StoreUnavailable:
            self.error("lobby_unavailable", re=msg.id)
        except ConnectionClosed:
            raise
        except Exception:
            log.exception("handling %s from %s", type(msg).__name__, self.name)
            self.error("internal", "the server failed to handle that request", msg.id)

    async def _cleanup(self) -> None:
        await self._stop_relay()
        if self.match is not None:
            self.match.leave(self, dropped=True)
        if self.lobby is not None and self.player is not None:
            try:
                await self.server.lobbies.leave(self.player, self.lobby)
            except Exception:  # the store may be gone; the lobby expires on its own then
                log.debug("leaving lobby on close failed", exc_info=True)
        for unsubscribe in self._unsubscribe.values():
            unsubscribe()
        self._unsubscribe.clear()
        self.server.sessions.discard(self)

    async def _subscribe(self, key: str, channel: str | None) -> None:
        old = self._unsubscribe.pop(key, None)
        if old is not None:
            old()
        if channel is not None:
            self._unsubscribe[key] = await self.server.store.subscribe(channel, self._relay)

    def _relay(self, payload: bytes) -> None:
        push(self.ws, payload)

    # -- handlers ---------------------------------------------------------------------------
    async def on_hello(self, msg: p.Hello) -> None:
        if msg.protocol != p.PROTOCOL_VERSION:
            self.error(
                "protocol_version",
                f"this server speaks protocol {p.PROTOCOL_VERSION}, not {msg.protocol}",
                msg.id,
            )
            await self.ws.close(1002, "protocol version mismatch")
            return
        if self.player is not None:
            self.error("bad_message", "hello was already said on this connection", msg.id)
            return
        store = self.server.store
        record = await store.get_session(msg.token) if msg.token else None
        token = msg.token if record is not None and msg.token else secrets.token_urlsafe(18)
        player = record.player if record is not None else "p-" + secrets.token_hex(6)
        self.player, self.name, self.token = player, msg.name, token
        await store.put_session(token, SessionRecord(player, msg.name), SESSION_TTL)
        await self._subscribe("player", player_channel(player))
        self.send(p.Welcome(re=msg.id, protocol=p.PROTOCOL_VERSION, player=player, token=token))

    async def on_ping(self, msg: p.Ping) -> None:
        self.send(p.Pong(re=msg.id, time=time.monotonic()))

    async def on_lobby_list(self, msg: p.LobbyList) -> None:
        from shared.scenario import available

        lobbies = [lobby_info(lob) for lob in await self.server.lobbies.list()]
        self.send(p.Lobbies(re=msg.id, lobbies=lobbies, scenarios=available()))

    async def _enter_lobby(self, lobby_id: str) -> None:
        if self.lobby is not None and self.lobby != lobby_id:
            assert self.player is not None
            await self.server.lobbies.leave(self.player, self.lobby)
        self.lobby = lobby_id
        await self._subscribe("lobby", lobby_channel(lobby_id))

    async def on_lobby_create(self, msg: p.LobbyCreate) -> None:
        assert self.player is not None and self.name is not None
        lobby = await self.server.lobbies.create(self.player, self.name, msg)
        await self._enter_lobby(lobby.id)
        self.send(p.LobbyState(re=msg.id, lobby=lobby_info(lobby)))

    async def on_lobby_join(self, msg: p.LobbyJoin) -> None:
        assert self.player is not None and self.name is not None
        if self.lobby != msg.lobby:
            # Subscribe first so that no change between join and subscribe is missed.
            await self._enter_lobby(msg.lobby)
        try:
            lobby = await self.server.lobbies.join(
                self.player, self.name, msg.lobby, msg.side, msg.seat, msg.password
            )
        except LobbyError:
            if self.lobby == msg.lobby and not await self._is_member(msg.lobby):
                await self._subscribe("lobby", None)
                self.lobby = None
            raise
        self.send(p.LobbyState(re=msg.id, lobby=lobby_info(lobby)))

    async def _is_member(self, lobby_id: str) -> bool:
        lobby = await self.server.store.get_lobby(lobby_id)
        return lobby is not None and self.player in lobby.members()

    def _need_lobby(self) -> str:
        if self.lobby is None:
            raise LobbyError("not_in_lobby")
        return self.lobby

    async def on_lobby_leave(self, msg: p.LobbyLeave) -> None:
        assert self.player is not None
        lobby_id = self._need_lobby()
        await self._subscribe("lobby", None)
        self.lobby = None
        await self.server.lobbies.leave(self.player, lobby_id)
        self.send(p.Ok(re=msg.id))

    async def on_lobby_ready(self, msg: p.LobbyReady) -> None:
        assert self.player is not None
        lobby = await self.server.lobbies.ready(self.player, self._need_lobby(), msg.ready)
        self.send(p.LobbyState(re=msg.id, lobby=lobby_info(lobby)))

    async def on_lobby_seat(self, msg: p.LobbySeat) -> None:
        assert self.player is not None
        lobby = await self.server.lobbies.set_seat(
            self.player, self._need_lobby(), msg.seat, msg.ai
        )
        self.send(p.LobbyState(re=msg.id, lobby=lobby_info(lobby)))

    async def on_lobby_start(self, msg: p.LobbyStart) -> None:
        assert self.player is not None
        await self.server.lobbies.start(self.player, self._need_lobby())
        self.send(p.Ok(re=msg.id))

    async def on_match_list(self, msg: p.MatchList) -> None:
        self.send(p.Matches(re=msg.id, matches=await self.server.match_infos()))

    async def _elsewhere(self, match_id: str, re: int | None, frame: bytes) -> None:
        """A match on another server: point the client there, or, when that server has no
        address of its own for clients (replicas behind one public address), relay it."""
        record = await self.server.locate_match(match_id)
        if record is None or record.internal == self.server.internal_url:
            raise LobbyError("unknown_match")
        if record.server == self.server.url and record.internal:
            await self._start_relay(record.internal, frame)
            return
        self.server.metrics_error("match_elsewhere")
        self.send(
            p.Error(
                re=re,
                code="match_elsewhere",
                message=p.ERROR_CODES["match_elsewhere"],
                url=record.server,
            )
        )

    # -- relaying a match that runs on another server of the service -----------------------
    async def _start_relay(self, internal_url: str, frame: bytes) -> None:
        """Open a connection to the match's server as this same player (the session token is
        shared through the store) and pipe frames both ways until either side leaves."""
        await self._stop_relay()
        if self.match is not None:
            self.match.leave(self)
            self.match = self.view = self.seat = None
        try:
            upstream = await connect(
                internal_url, compression=None, max_size=None, open_timeout=RELAY_TIMEOUT
            )
            hello = p.Hello(protocol=p.PROTOCOL_VERSION, name=self.name or "?", token=self.token)
            await upstream.send(p.encode(hello))
            welcome = p.decode_server(await asyncio.wait_for(upstream.recv(), RELAY_TIMEOUT))
        except (OSError, TimeoutError, ConnectionClosed, p.ProtocolError) as e:
            log.warning("cannot relay to %s: %s", internal_url, e)
            raise LobbyError("unknown_match", "the match's server cannot be reached") from None
        if not isinstance(welcome, p.Welcome) or welcome.player != self.player:
            await upstream.close()
            raise LobbyError("unknown_match", "the match's server did not take this player")
        self.upstream = upstream
        self._leaving, self._leave_id = False, None
        await upstream.send(frame)
        self._pump = asyncio.create_task(self._pump_down(upstream), name="relay")

    async def _pump_down(self, upstream: ClientConnection) -> None:
        try:
            async for data in upstream:
                if not isinstance(data, bytes):
                    continue
                push(self.ws, data)
                if self._leaving and p.request_id(data, "re") == self._leave_id:
                    # The match's server has answered the client's match.leave: done.
                    self.upstream = None
                    await upstream.close()
                    return
        except ConnectionClosed:
            pass
        finally:
            if self.upstream is upstream:
                self.upstream = None
                self.send(p.Notice(code="match_lost", message="the match's server went away"))

    async def _forward(self, data: bytes, msg: p.Request) -> None:
        assert self.upstream is not None
        try:
            await self.upstream.send(data)
        except ConnectionClosed:
            self.error("not_in_match", "the match's server went away", msg.id)
            return
        if isinstance(msg, p.MatchLeave):
            # Keep piping until its answer has come back, then let go of the match's server.
            self._leaving, self._leave_id = True, msg.id

    async def _stop_relay(self) -> None:
        upstream, self.upstream = self.upstream, None
        if upstream is not None:
            await upstream.close()
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None

    async def on_match_join(self, msg: p.MatchJoin) -> None:
        runner = self.server.find_match(msg.match)
        if runner is None or msg.match == "first":
            await self._elsewhere(msg.match, msg.id, p.encode(msg))
            return
        await self._stop_relay()
        assert self.player is not None
        ticket = await self.server.store.take_ticket(msg.ticket, self.player)
        if ticket is not None and ticket.match == msg.match:
            runner.used_tickets[msg.ticket] = ticket.player
            seat = (ticket.seat or ticket.side) if ticket.side != SPECTATOR else None
        elif runner.used_tickets.get(msg.ticket) == self.player:
            seat = runner.seat_of(self.player)  # a dropped player comes back
        else:
            raise LobbyError("bad_ticket")
        view = runner.seats.get(seat, seat) if seat is not None else SPECTATOR
        self._enter_match(runner, view, msg.id, seat)

    async def on_match_watch(self, msg: p.MatchWatch) -> None:
        runner = self.server.find_match(msg.match)
        if runner is None:
            await self._elsewhere(msg.match, msg.id, p.encode(msg))
            return
        await self._stop_relay()
        watching = runner.spectating
        if not watching.allowed:
            raise LobbyError("no_spectators")
        check_password(watching.password, msg.password)
        self._enter_match(runner, SPECTATOR, msg.id, None, msg.view)

    async def on_match_view(self, msg: p.MatchView) -> None:
        runner = self._need_match()
        if self.view != SPECTATOR:
            raise LobbyError("not_spectator")
        self.send(p.Ok(re=msg.id))
        self._enter_match(runner, SPECTATOR, None, None, msg.view, send_map=False)

    def _enter_match(
        self,
        runner: MatchRunner,
        view: str,
        re: int | None,
        seat: str | None,
        perspective: str | None = None,
        send_map: bool = True,
    ) -> None:
        if self.match is not None:
            self.match.leave(self)
        self.match, self.view, self.seat = runner, view, seat
        runner.join(self, view, re, perspective, send_map)

    def _need_match(self) -> MatchRunner:
        if self.match is None or self.view is None:
            raise LobbyError("not_in_match")
        return self.match

    def _need_seat(self) -> tuple[MatchRunner, str]:
        runner = self._need_match()
        if self.view == SPECTATOR or self.seat is None:
            raise LobbyError("spectator")
        return runner, self.seat

    async def on_match_leave(self, msg: p.MatchLeave) -> None:
        runner = self._need_match()
        runner.leave(self)
        self.match = self.view = self.seat = None
        self.send(p.Ok(re=msg.id))

    async def on_match_control(self, msg: p.MatchControl) -> None:
        runner, _ = self._need_seat()
        runner.control(self.name or "?", msg.paused, msg.speed)
        self.send(p.Ok(re=msg.id))

    async def on_resync(self, msg: p.Resync) -> None:
        self._need_match().resync(self)

    async def on_orders(self, msg: p.Orders) -> None:
        runner, seat = self._need_seat()
        results = runner.issue(seat, msg.orders)
        for r in results:
            if not r.ok:
                self.server.metrics_error(f"order:{r.code}")
        self.send(p.OrdersResult(re=msg.id, results=results))

    async def on_chat(self, msg: p.Chat) -> None:
        assert self.player is not None and self.name is not None
        side = self.view if self.match is not None else None
        line = p.encode(
            p.ChatLine(player=self.player, name=self.name, text=msg.text, side=side)  # type: ignore[arg-type]
        )
        if self.match is not None:
            self.match.broadcast_all(line)
        elif self.lobby is not None:
            await self.server.store.publish(lobby_channel(self.lobby), line)
        else:
            raise LobbyError("not_in_lobby")
        self.send(p.Ok(re=msg.id))


# What a relaying session passes to the match's server rather than handling itself.
_RELAYED = (p.MatchLeave, p.MatchView, p.MatchControl, p.Resync, p.Orders, p.Chat)
RELAY_TIMEOUT = 5.0  # seconds to reach the match's server before giving up

_HANDLERS: dict[type, Any] = {
    p.Hello: Session.on_hello,
    p.Ping: Session.on_ping,
    p.LobbyList: Session.on_lobby_list,
    p.LobbyCreate: Session.on_lobby_create,
    p.LobbyJoin: Session.on_lobby_join,
    p.LobbyLeave: Session.on_lobby_leave,
    p.LobbyReady: Session.on_lobby_ready,
    p.LobbySeat: Session.on_lobby_seat,
    p.LobbyStart: Session.on_lobby_start,
    p.MatchList: Session.on_match_list,
    p.MatchJoin: Session.on_match_join,
    p.MatchWatch: Session.on_match_watch,
    p.MatchView: Session.on_match_view,
    p.MatchLeave: Session.on_match_leave,
    p.MatchControl: Session.on_match_control,
    p.Resync: Session.on_resync,
    p.Orders: Session.on_orders,
    p.Chat: Session.on_chat,
}
