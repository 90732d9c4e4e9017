"""Lobbies: create, join a seat or spectate, ready, start; every change published to members.

All state lives in the ``LobbyStore``; this service holds none, so any server process sharing
the store can serve any lobby. Changes are published on ``lobby:<id>`` as an encoded
``lobby.state``; per-player pushes (``match.start``) go on ``player:<id>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable

from server.records import LobbyRecord, SeatRecord, TicketRecord
from server.store import LobbyStore
from shared import protocol as p
from shared import scenario as scenarios
from shared.units import SIDES

TICKET_TTL = 300.0  # seconds a seat ticket stays good after the match starts
_SCRYPT = {"n": 2**12, "r": 8, "p": 1}  # about 5 ms a check: cheap for a lobby, dear for a guesser


class LobbyError(Exception):
    """A lobby request refused, with a protocol error code."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or p.ERROR_CODES.get(code, code))
        self.code = code


def lobby_channel(lobby_id: str) -> str:
    return f"lobby:{lobby_id}"


def player_channel(player: str) -> str:
    return f"player:{player}"


def lobby_info(lobby: LobbyRecord) -> p.LobbyInfo:
    return p.LobbyInfo(
        id=lobby.id,
        name=lobby.name,
        scenario=lobby.scenario,
        title=lobby.title,
        host=lobby.host,
        state=lobby.state,  # type: ignore[arg-type]
        seats=[
            p.SeatInfo(
                lobby.side_of(sid),  # type: ignore[arg-type]
                seat.player,
                seat.name,
                seat.ai,
                seat.ready,
                seat=sid,
                title=seat.title,
            )
            for sid, seat in lobby.seats.items()
        ],
        spectators=len(lobby.spectators),
        speed=lobby.speed,
        match=lobby.match,
        password=bool(lobby.password),
        spectators_allowed=lobby.spectators_allowed,
        spectator_delay=lobby.spectator_delay,
    )


# Starts a match for a lobby in some server process; returns (match id, websocket URL).
MatchStarter = Callable[[LobbyRecord], Awaitable[tuple[str, str]]]


class LobbyService:
    def __init__(
        self,
        store: LobbyStore,
        start_match: MatchStarter,
        server_id: str = "local",
        live_servers: Callable[[], Awaitable[set[str]]] | None = None,
    ) -> None:
        self.store = store
        self.start_match = start_match
        self.server_id = server_id  # stamped on lobbies as their origin
        self.live_servers = live_servers

    async def _publish(self, lobby: LobbyRecord) -> None:
        await self.store.publish(
            lobby_channel(lobby.id), p.encode(p.LobbyState(lobby=lobby_info(lobby)))
        )

    async def _mutate(self, lobby_id: str, change: Callable[[LobbyRecord], None]) -> LobbyRecord:
        try:
            lobby, _ = await self.store.mutate_lobby(lobby_id, change)
        except KeyError:
            raise LobbyError("unknown_lobby") from None
        await self._publish(lobby)
        return lobby

    async def list(self) -> list[LobbyRecord]:
        """Lobbies worth showing: not closed, and open ones only while their origin server
        (where their players are connected) is alive."""
        lobbies = [lob for lob in await self.store.list_lobbies() if lob.state != "closed"]
        if self.live_servers is None:
            return lobbies
        live = await self.live_servers()
        return [
            lob for lob in lobbies if lob.state != "open" or lob.origin in live or not lob.origin
        ]

    async def create(self, player: str, name: str, req: p.LobbyCreate) -> LobbyRecord:
        try:
            scenario = scenarios.load(req.scenario)
        except scenarios.ScenarioError as e:
            raise LobbyError("unknown_scenario", str(e)) from None
        if "/" in req.scenario or req.scenario.endswith(".toml"):
            raise LobbyError("unknown_scenario", "give a scenario by name")
        seats = {
            c.id: SeatRecord(ai=req.ai.get(c.id, req.ai.get(c.side)), side=c.side, title=c.title)  # type: ignore[call-overload]
            for c in scenario.commands
        }
        unknown = set(req.ai) - set(seats) - set(SIDES)
        if unknown:
            raise LobbyError("unknown_seat", f"no seat {sorted(unknown)[0]!r} in {scenario.name}")
        now = time.time()
        lobby = LobbyRecord(
            id=secrets.token_hex(4),
            name=req.name,
            scenario=scenario.name,
            title=scenario.title,
            host=player,
            seats=seats,
            spectators={player: name},
            speed=req.speed,
            seed=req.seed if req.seed is not None else secrets.randbelow(2**31),
            origin=self.server_id,
            created=now,
            updated=now,
            password=hash_password(req.password) if req.password else "",
            spectators_allowed=req.spectators,
            spectator_delay=req.spectator_delay,
        )
        await self.store.create_lobby(lobby)
        await self._publish(lobby)
        return lobby

    async def join(
        self,
        player: str,
        name: str,
        lobby_id: str,
        side: str,
        seat: str | None = None,
        password: str | None = None,
    ) -> LobbyRecord:
        def change(lobby: LobbyRecord) -> None:
            if lobby.state != "open":
                raise LobbyError("lobby_started")
            check_password(lobby.password, password)
            if side == "spectator":
                _remove_member(lobby, player)
                lobby.spectators[player] = name
            else:
                sid = _pick_seat(lobby, player, side, seat)
                _remove_member(lobby, player)
                held = lobby.seats[sid]
                lobby.seats[sid] = SeatRecord(
                    player=player, name=name, side=lobby.side_of(sid), title=held.title
                )
            lobby.origin = self.server_id
            lobby.updated = time.time()

        return await self._mutate(lobby_id, change)

    async def leave(self, player: str, lobby_id: str) -> LobbyRecord | None:
        def change(lobby: LobbyRecord) -> None:
            _remove_member(lobby, player)
            if lobby.host == player:
                members = lobby.members()
                lobby.host = members[0] if members else ""
            lobby.updated = time.time()

        try:
            lobby = await self._mutate(lobby_id, change)
        except LobbyError:
            return None
        if not lobby.members() and lobby.state == "open":
            await self.store.delete_lobby(lobby_id)
            return None
        return lobby

    async def ready(self, player: str, lobby_id: str, ready: bool) -> LobbyRecord:
        def change(lobby: LobbyRecord) -> None:
            if lobby.state != "open":
                raise LobbyError("lobby_started")
            for seat in lobby.seats.values():
                if seat.player == player:
                    seat.ready = ready
                    lobby.updated = time.time()
                    return
            if player not in lobby.spectators:
                raise LobbyError("not_in_lobby")

        return await self._mutate(lobby_id, change)

    async def set_seat(self, player: str, lobby_id: str, seat: str, ai: str | None) -> LobbyRecord:
        """The host gives an empty seat to the AI, or opens an AI's seat to players."""

        def change(lobby: LobbyRecord) -> None:
            if lobby.host != player:
                raise LobbyError("not_host")
            if lobby.state != "open":
                raise LobbyError("lobby_started")
            held = lobby.seats.get(seat)
            if held is None:
                raise LobbyError("unknown_seat")
            if held.player:
                raise LobbyError("seat_taken")
            held.ai = ai
            held.ready = False
            lobby.updated = time.time()

        return await self._mutate(lobby_id, change)

    async def start(self, player: str, lobby_id: str) -> LobbyRecord:
        def claim(lobby: LobbyRecord) -> None:
            if lobby.host != player:
                raise LobbyError("not_host")
            if lobby.state != "open":
                raise LobbyError("lobby_started")
            for seat in lobby.seats.values():
                if seat.ai is None and not (seat.player and seat.ready):
                    raise LobbyError("not_all_ready")
            lobby.state = "started"
            lobby.updated = time.time()

        try:
            lobby, _ = await self.store.mutate_lobby(lobby_id, claim)
        except KeyError:
            raise LobbyError("unknown_lobby") from None
        try:
            match_id, url = await self.start_match(lobby)
        except Exception:
            await self._reopen(lobby_id)
            raise

        def record_match(rec: LobbyRecord) -> None:
            rec.match = match_id
            rec.server = url

        lobby = await self._mutate(lobby_id, record_match)
        for side, seat, member in _seating(lobby):
            if side == "spectator" and not lobby.spectators_allowed:
                continue  # a lobby that takes no spectators starts without them
            ticket = secrets.token_urlsafe(16)
            record = TicketRecord(match_id, side, member, seat)
            await self.store.put_ticket(ticket, record, TICKET_TTL)
            start = p.MatchStart(
                match=match_id,
                url=url,
                ticket=ticket,
                side=side,  # type: ignore[arg-type]
                seat=seat or None,
            )
            await self.store.publish(player_channel(member), p.encode(start))
        return lobby

    async def _reopen(self, lobby_id: str) -> None:
        """A start that failed leaves the lobby as it was, so the host can try again."""

        def change(lobby: LobbyRecord) -> None:
            lobby.state = "open"

        # The store itself may be what failed; the lobby then expires on its own.
        with contextlib.suppress(Exception):
            await self._mutate(lobby_id, change)

    async def close(self, lobby_id: str) -> None:
        def change(lobby: LobbyRecord) -> None:
            lobby.state = "closed"

        try:
            await self._mutate(lobby_id, change)
        except LobbyError:
            return
        await self.store.delete_lobby(lobby_id)


def hash_password(password: str) -> str:
    """A salted scrypt digest: the store (Redis, shared by every process) never holds the
    password itself."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"{salt.hex()}${digest.hex()}"


def check_password(stored: str, given: str | None) -> None:
    """Refuse unless ``given`` is the password ``stored`` (a ``hash_password`` digest, or ""
    for none)."""
    if not stored:
        return
    salt, _, digest = stored.partition("$")
    tried = hashlib.scrypt((given or "").encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    if not secrets.compare_digest(tried.hex(), digest):
        raise LobbyError("bad_password")


def _pick_seat(lobby: LobbyRecord, player: str, side: str, seat: str | None) -> str:
    """The seat a player asks for, or the first of the side that is free (or already theirs)."""
    if seat is not None:
        if seat not in lobby.seats or lobby.side_of(seat) != side:
            raise LobbyError("unknown_seat")
        held = lobby.seats[seat]
        if held.ai is not None or (held.player and held.player != player):
            raise LobbyError("seat_taken")
        return seat
    mine = [s for s in lobby.seats if lobby.side_of(s) == side]
    for sid in mine:
        if lobby.seats[sid].player == player:
            return sid
    for sid in mine:
        held = lobby.seats[sid]
        if held.ai is None and not held.player:
            return sid
    raise LobbyError("seat_taken")


def _remove_member(lobby: LobbyRecord, player: str) -> None:
    lobby.spectators.pop(player, None)
    for sid, seat in lobby.seats.items():
        if seat.player == player:
            lobby.seats[sid] = SeatRecord(side=lobby.side_of(sid), title=seat.title)


def _seating(lobby: LobbyRecord) -> list[tuple[str, str, str]]:
    """(side, seat id, player) for everyone who gets a ticket; spectators have seat ""."""
    out = [(lobby.side_of(s), s, seat.player) for s, seat in lobby.seats.items() if seat.player]
    seated = {pl for _, _, pl in out}
    out += [("spectator", "", pl) for pl in lobby.spectators if pl not in seated]
    return out
