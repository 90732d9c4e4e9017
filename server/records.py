"""What the lobby store keeps: plain msgspec records, so any store can serialise them."""

from __future__ import annotations

import msgspec


class SeatRecord(msgspec.Struct, omit_defaults=True):
    """One seat: a command of one side, held by a player, an AI, or nobody yet."""

    player: str | None = None
    name: str | None = None
    ai: str | None = None  # AI level when an AI holds the seat
    ready: bool = False
    side: str = ""  # soviet | japan ("" in records from before commands: the seat's id)
    title: str = ""


class LobbyRecord(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    scenario: str
    title: str
    host: str
    seats: dict[str, SeatRecord]  # seat (command) id -> seat, in the scenario's order
    spectators: dict[str, str] = {}  # player id -> name
    state: str = "open"  # open | started | closed
    speed: float = 1.0
    seed: int = 0
    match: str | None = None
    server: str | None = None  # public URL of the server that runs the match
    origin: str | None = None  # id of the server process whose players last changed it
    created: float = 0.0
    updated: float = 0.0
    password: str = ""  # salted digest of the password asked of all who join or watch ("": none)
    spectators_allowed: bool = True
    spectator_delay: int = 0  # game hours

    def side_of(self, seat: str) -> str:
        return self.seats[seat].side or seat

    def members(self) -> list[str]:
        seated = [s.player for s in self.seats.values() if s.player]
        return seated + [p for p in self.spectators if p not in seated]


class TicketRecord(msgspec.Struct):
    match: str
    side: str  # soviet | japan | spectator
    player: str
    seat: str = ""  # the seat (command) id for a side; "" for a spectator


class SessionRecord(msgspec.Struct):
    player: str
    name: str


class MatchRecord(msgspec.Struct, omit_defaults=True):
    id: str
    scenario: str
    title: str
    server: str  # public URL of the server running it
    internal: str = ""  # the URL other servers reach it at, to relay clients to it
    lobby: str | None = None
    time: str = ""
    hour: int = 0
    players: dict[str, list[str]] = {}
    spectators: int = 0
    finished: bool = False
    spectator_delay: int = 0
    password: bool = False
    spectators_allowed: bool = True


class ServerRecord(msgspec.Struct, omit_defaults=True):
    """One live server process, refreshed by its heartbeat under a TTL."""

    id: str
    url: str
    capacity: int
    internal: str = ""
    connections: int = 0
    matches: int = 0
    started: float = 0.0

    @property
    def load(self) -> float:
        """Share of capacity in use; a match weighs as much as ten connections."""
        return (self.connections + 10 * self.matches) / max(1, self.capacity)
