"""The client side of a conversation with the server, without any I/O.

``Session`` sits between a transport (the window's network thread, or the bot's own asyncio loop)
and a ``Mirror``: each received message goes through ``receive``; anything the session wants to
say goes out through the ``send`` callable it was given. It owns the steps a player would
otherwise click through (``Plan``): hello, create or join a lobby, take a side, get ready, start,
and ``match.join`` with the ticket the server pushes. It also asks for a ``resync`` when the mirror
finds a gap in the deltas. Notable things are appended to ``notes`` as one-line strings for the
bot's output and the window's status line.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from client.mirror import Mirror
from shared.protocol import (
    PROTOCOL_VERSION,
    Error,
    Hello,
    Joined,
    LobbyCreate,
    LobbyInfo,
    LobbyJoin,
    LobbyList,
    LobbyReady,
    LobbySeat,
    LobbyStart,
    LobbyState,
    MatchEnd,
    MatchJoin,
    MatchStart,
    MatchWatch,
    Message,
    Notice,
    Request,
    Resync,
    SeatInfo,
    Welcome,
)

RECONNECT_ATTEMPTS = 5  # a dropped match connection is retried this often before giving up
RECONNECT_DELAY_S = 1.0  # between attempts: long enough for a restarting network, short to wait

SIDE_NAMES = {"soviet": "Soviet", "japan": "Japanese", "spectator": "spectator"}


@dataclass(slots=True)
class Connected:
    """Local event from a transport: the websocket is open (send ``hello`` now)."""

    url: str


@dataclass(slots=True)
class Disconnected:
    """Local event from a transport: the connection failed or closed; ``reason`` says why."""

    reason: str
    failed: bool = True  # False when we closed it ourselves


@dataclass(slots=True)
class TransportNote:
    """Local event from a transport worth a line in the log (an undecodable message...)."""

    text: str


@dataclass(slots=True)
class Plan:
    """What to do after ``hello`` without a human clicking through the lobby."""

    create: str | None = None  # scenario of a lobby to create
    lobby: str | None = None  # id of a lobby to join
    watch: str | None = None  # match id, or "first", to spectate
    side: str | None = None  # seat to take in the created or joined lobby
    ai: dict[str, str] = field(default_factory=dict)  # sides an AI plays, on create
    speed: float = 1.0  # game hours per real second, on create
    ready: bool = True  # mark ready once seated
    start: bool = True  # as host, start as soon as every human seat is ready
    lobby_name: str | None = None
    seat: str | None = None  # seat id to take (several seats per side); None: the side's first
    password: str | None = None  # for a lobby or match that has one; set on create
    spectators: bool = True  # on create: let spectators watch
    spectator_delay: int = 0  # on create: game hours spectators lag behind
    teammates: str | None = None  # on create: AI level for your side's other seats (None: open)


def make_request(cls: type[Request], **fields: object) -> Request:
    """``cls(**fields)`` without the fields this protocol version does not have (yet): a client
    that knows newer options still talks to a server that does not."""
    known = set(cls.__struct_fields__)
    return cls(**{k: v for k, v in fields.items() if k in known and v is not None})


def seat_id(seat: SeatInfo) -> str:
    """A seat's id; a server with one seat per side names it by the side."""
    return getattr(seat, "seat", "") or seat.side


class RequestIds:
    """Stamps requests with increasing ids so replies (``re``) can be matched to them."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def stamp(self, msg: Message) -> int | None:
        if isinstance(msg, Request):
            if msg.id is None:
                msg.id = next(self._counter)
            return msg.id
        return None


class Session:
    """Drives one player's conversation: the plan's steps, resyncs, and the mirror."""

    def __init__(
        self,
        name: str,
        send: Callable[[Message], int | None],
        plan: Plan | None = None,
        mirror: Mirror | None = None,
    ) -> None:
        self.name = name
        self._send = send
        self.plan = plan or Plan()
        self.mirror = mirror or Mirror()
        self.notes: list[str] = []
        self.fatal: str | None = None  # set when the session cannot go on (wrong protocol...)
        self.status = "connecting"
        self.url: str | None = None
        self.switch_to: str | None = None  # a match lives on another server: reconnect there
        self.reconnect = False  # the transport should connect again (to the same server)
        self.reconnects = 0  # attempts since the match was last joined
        self._pending: dict[int, Message] = {}
        self._join_after_hello: MatchJoin | MatchWatch | None = None  # after hello elsewhere
        self._asked_join = False
        self._asked_ready = False
        self._asked_start = False
        self._asked_teammates = False
        self._planned = False
        self.ended = False

    # -- outgoing ---------------------------------------------------------------------------
    def send(self, msg: Message) -> int | None:
        rid = self._send(msg)
        if rid is not None:
            self._pending[rid] = msg
            if len(self._pending) > 256:  # replies that never came must not pile up
                for old in sorted(self._pending)[:128]:
                    del self._pending[old]
        return rid

    def note(self, text: str) -> None:
        self.notes.append(text)

    # -- incoming ---------------------------------------------------------------------------
    def receive(self, msg: object, now: float) -> None:
        """Handle one message (or a transport event); may send follow-up requests."""
        if isinstance(msg, Connected):
            self.url = msg.url
            self.status = "connected"
            self.send(Hello(protocol=PROTOCOL_VERSION, name=self.name, token=self.mirror.token))
            return
        if isinstance(msg, Disconnected):
            self.status = "disconnected"
            if msg.failed and self.fatal is None and not self.ended:
                self._lost(msg.reason)
            else:
                self.note(f"disconnected: {msg.reason}")
            return
        if isinstance(msg, TransportNote):
            self.note(msg.text)
            return
        if self.mirror.apply(msg, now):
            self.send(Resync())
        re = getattr(msg, "re", None)
        request = self._pending.pop(re, None) if re is not None else None
        match msg:
            case Welcome():
                self._welcome(msg)
            case LobbyState():
                self._lobby(msg.lobby)
            case MatchStart():
                self._match_start(msg)
            case Joined():
                self.status = "in match"
                self.reconnects = 0
                self.note(f"joined match {msg.match} as {SIDE_NAMES.get(msg.view, msg.view)}")
            case MatchEnd():
                self.ended = True
                winner = SIDE_NAMES.get(msg.winner, msg.winner) if msg.winner else "nobody"
                self.note(f"match over at {msg.time}: {winner} wins ({msg.result})")
            case Error():
                self._error(msg, request)
            case Notice():
                self.note(f"server notice ({msg.code}): {msg.message}")

    def _lost(self, reason: str) -> None:
        """The connection dropped: in a match, come back to it (same player, same seat)."""
        m = self.mirror
        if m.match is None or self.reconnects >= RECONNECT_ATTEMPTS:
            self.fatal = reason
            self.note(f"disconnected: {reason}")
            return
        self.reconnects += 1
        start = m.match_start
        if start is not None and start.match == m.match and m.view != "spectator":
            self._join_after_hello = MatchJoin(match=start.match, ticket=start.ticket)
        else:
            self._join_after_hello = MatchWatch(match=m.match)
        self.reconnect = True
        self.status = "reconnecting"
        self.note(f"connection lost ({reason}); reconnecting, attempt {self.reconnects}")

    def _welcome(self, msg: Welcome) -> None:
        if msg.protocol != PROTOCOL_VERSION:
            self.fatal = (
                f"the server speaks protocol {msg.protocol}, this client {PROTOCOL_VERSION}: "
                "update the client or the server"
            )
            self.note(self.fatal)
            return
        self.status = "welcome"
        self.note(f"connected as {self.name} (player {msg.player})")
        if self._join_after_hello is not None:
            join, self._join_after_hello = self._join_after_hello, None
            self.send(join)
            return
        if not self._planned:
            self._planned = True
            self._begin(self.plan)

    def follow(self, plan: Plan) -> None:
        """Adopt a new plan now (the lobby screen's keys) and take its first step."""
        self.plan = plan
        self._asked_join = self._asked_ready = self._asked_start = False
        self._asked_teammates = False
        self.fatal = None
        self._begin(plan)

    def _begin(self, plan: Plan) -> None:
        if plan.watch:
            self.send(make_request(MatchWatch, match=plan.watch, password=plan.password))
        elif plan.create:
            self.send(
                make_request(
                    LobbyCreate,
                    name=(plan.lobby_name or f"{self.name}'s game")[:32],
                    scenario=plan.create,
                    ai=dict(plan.ai),
                    speed=plan.speed,
                    password=plan.password or None,
                    spectators=plan.spectators,
                    spectator_delay=plan.spectator_delay,
                )
            )
        elif plan.lobby:
            self._asked_join = True
            self.send(self._join(plan.lobby))
        else:
            self.send(LobbyList())

    def _join(self, lobby: str) -> Request:
        plan = self.plan
        return make_request(
            LobbyJoin,
            lobby=lobby,
            side=plan.side or "spectator",
            seat=plan.seat,
            password=plan.password,
        )

    def my_seat(self, lobby: LobbyInfo) -> str | None:
        """The id of the seat this player holds in the lobby, if any."""
        mine = self.my_seat_info(lobby)
        return seat_id(mine) if mine is not None else None

    def my_seat_info(self, lobby: LobbyInfo) -> SeatInfo | None:
        for seat in lobby.seats:
            if seat.player is not None and seat.player == self.mirror.player:
                return seat
        return None

    @staticmethod
    def startable(lobby: LobbyInfo) -> bool:
        """Every seat that needs a human has one, and every human is ready."""
        return all(
            seat.ai is not None or (seat.player is not None and seat.ready)
            for seat in lobby.seats
            if seat.side != "spectator"
        )

    def _lobby(self, lobby: LobbyInfo) -> None:
        if lobby.state != "open":
            return
        plan = self.plan
        mine = self.my_seat_info(lobby)
        if plan.side and plan.side != "spectator" and mine is None and not self._asked_join:
            self._asked_join = True
            self.note(f"lobby {lobby.id} ({lobby.title}): taking the {plan.side} seat")
            self.send(self._join(lobby.id))
            return
        if mine is None:
            return
        if plan.teammates and lobby.host == self.mirror.player and not self._asked_teammates:
            self._asked_teammates = True
            empty = [
                seat_id(s)
                for s in lobby.seats
                if s.side == mine.side and s.player is None and s.ai is None
            ]
            for seat in empty:  # a game against the AI: the AI commands your side's other forces
                self.send(LobbySeat(seat=seat, ai=plan.teammates))  # type: ignore[arg-type]
            if empty:
                return
        if plan.ready and not mine.ready and not self._asked_ready:
            self._asked_ready = True
            self.send(LobbyReady(ready=True))
            return
        if (
            plan.start
            and lobby.host == self.mirror.player
            and not self._asked_start
            and self.startable(lobby)
        ):
            self._asked_start = True
            self.note(f"lobby {lobby.id}: starting")
            self.send(LobbyStart())

    def _match_start(self, msg: MatchStart) -> None:
        self.note(f"match {msg.match} started; playing {SIDE_NAMES.get(msg.side, msg.side)}")
        join = MatchJoin(match=msg.match, ticket=msg.ticket)
        if msg.url and self.url and msg.url != self.url:
            # The match runs on another server process: hello there, then join.
            self._join_after_hello = join
            self.switch_to = msg.url
            return
        self.send(join)

    def _error(self, msg: Error, request: Message | None) -> None:
        what = type(request).__name__ if request is not None else "request"
        if (
            msg.code == "match_elsewhere"
            and msg.url
            and isinstance(request, MatchJoin | MatchWatch)
        ):
            # That match runs on another server process: say hello there and ask again.
            self.note(f"the match is on {msg.url}: moving there")
            retry = type(request)(**{f: getattr(request, f) for f in request.__struct_fields__})
            retry.id = None
            self._join_after_hello = retry
            self.switch_to = msg.url
            return
        self.note(f"error ({what}): {msg.code}: {msg.message}")
        if msg.code == "protocol_version":
            self.fatal = f"the server speaks another protocol version: {msg.message}"
        elif isinstance(request, LobbyStart):
            self._asked_start = False  # not everyone is ready yet; try on the next lobby.state
        elif isinstance(request, LobbyReady):
            self._asked_ready = False
        elif isinstance(request, LobbyCreate | LobbyJoin | MatchWatch | MatchJoin) and (
            self.plan.create or self.plan.lobby or self.plan.watch
        ):
            self.fatal = f"{what} refused: {msg.code}: {msg.message}"
