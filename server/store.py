"""``LobbyStore``: everything several server processes must share, behind one interface.

The embedded ``MemoryStore`` serves a single process with no Redis (the default); ``RedisStore``
(server/redis_store.py) implements the same contract for many processes. Both run through the
same contract tests (tests/test_store_contract.py).

Guarantees every store gives:
- ``mutate_lobby`` is atomic: two players racing for the last seat, exactly one wins.
- ``take_ticket`` is atomic and single-use; ``claim`` is set-if-absent: exactly one owner.
- Records with a TTL vanish when it passes (lobbies idle too long, dead servers, old tickets).
- ``subscribe`` returns once the subscription is live: a publish after it is delivered.
- An unreachable backend raises ``StoreUnavailable`` promptly instead of hanging.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import msgspec

from server.records import LobbyRecord, MatchRecord, ServerRecord, SessionRecord, TicketRecord

T = TypeVar("T")
Listener = Callable[[bytes], Awaitable[None] | None]
Unsubscribe = Callable[[], None]

LOBBY_TTL = 30 * 60.0  # an open lobby nobody touches for this long expires


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; lobby requests answer ``lobby_unavailable``."""


class LobbyStore(Protocol):
    kind: str  # "memory" | "redis", for health reports

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the store answers now."""
        ...

    async def create_lobby(self, lobby: LobbyRecord, ttl: float = LOBBY_TTL) -> None: ...
    async def get_lobby(self, lobby_id: str) -> LobbyRecord | None: ...
    async def list_lobbies(self) -> list[LobbyRecord]:
        """Every live lobby, oldest first."""
        ...

    async def mutate_lobby(
        self, lobby_id: str, change: Callable[[LobbyRecord], T], ttl: float = LOBBY_TTL
    ) -> tuple[LobbyRecord, T]:
        """Apply ``change`` atomically and renew the TTL; ``change`` may raise to abort.
        Raises KeyError for a lobby that does not exist."""
        ...

    async def delete_lobby(self, lobby_id: str) -> None: ...
    async def put_ticket(self, ticket: str, record: TicketRecord, ttl: float) -> None: ...
    async def take_ticket(self, ticket: str, player: str) -> TicketRecord | None:
        """Return and delete ``player``'s ticket in one step: a ticket is good once, and only
        for its own player (someone else presenting it neither gets nor spends it)."""
        ...

    async def put_session(self, token: str, record: SessionRecord, ttl: float) -> None: ...
    async def get_session(self, token: str) -> SessionRecord | None: ...
    async def put_match(self, match: MatchRecord, ttl: float) -> None: ...
    async def get_match(self, match_id: str) -> MatchRecord | None: ...
    async def list_matches(self) -> list[MatchRecord]: ...
    async def delete_match(self, match_id: str) -> None: ...
    async def claim(self, key: str, owner: str, ttl: float) -> str:
        """Set ``key`` to ``owner`` unless it is set; return whoever holds it now."""
        ...

    async def put_server(self, server: ServerRecord, ttl: float) -> None: ...
    async def list_servers(self) -> list[ServerRecord]:
        """Servers whose heartbeat is within its TTL."""
        ...

    async def delete_server(self, server_id: str) -> None: ...
    async def publish(self, channel: str, payload: bytes) -> None: ...
    async def subscribe(self, channel: str, listener: Listener) -> Unsubscribe:
        """Call ``listener`` with every payload published on ``channel`` from now on."""
        ...

    async def close(self) -> None: ...


class _Expiring(dict[str, tuple[float, T]]):
    """A dict of (expiry, value) that forgets entries once the clock passes their expiry."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__()
        self.clock = clock

    def put(self, key: str, value: T, ttl: float) -> None:
        self[key] = (self.clock() + ttl, value)

    def live(self, key: str) -> T | None:
        entry = self.get(key)
        if entry is None:
            return None
        if entry[0] < self.clock():
            del self[key]
            return None
        return entry[1]

    def values_live(self) -> list[T]:
        now = self.clock()
        for key in [k for k, (exp, _) in self.items() if exp < now]:
            del self[key]
        return [v for _, v in super().values()]


class MemoryStore:
    """The embedded store: dicts in this process, with TTLs checked on read."""

    kind = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lobbies: _Expiring[LobbyRecord] = _Expiring(clock)
        self._tickets: _Expiring[TicketRecord] = _Expiring(clock)
        self._sessions: _Expiring[SessionRecord] = _Expiring(clock)
        self._matches: _Expiring[MatchRecord] = _Expiring(clock)
        self._servers: _Expiring[ServerRecord] = _Expiring(clock)
        self._claims: _Expiring[str] = _Expiring(clock)
        self._listeners: dict[str, list[Listener]] = {}

    async def ping(self) -> None:
        return None

    async def create_lobby(self, lobby: LobbyRecord, ttl: float = LOBBY_TTL) -> None:
        self._lobbies.put(lobby.id, _copy(lobby), ttl)

    async def get_lobby(self, lobby_id: str) -> LobbyRecord | None:
        lobby = self._lobbies.live(lobby_id)
        return _copy(lobby) if lobby is not None else None

    async def list_lobbies(self) -> list[LobbyRecord]:
        lobbies = [_copy(lob) for lob in self._lobbies.values_live()]
        return sorted(lobbies, key=lambda lob: (lob.created, lob.id))

    async def mutate_lobby(
        self, lobby_id: str, change: Callable[[LobbyRecord], T], ttl: float = LOBBY_TTL
    ) -> tuple[LobbyRecord, T]:
        # No await between read and write: atomic on the event loop.
        current = self._lobbies.live(lobby_id)
        if current is None:
            raise KeyError(lobby_id)
        draft = _copy(current)  # a change that raises leaves the record untouched
        result = change(draft)
        self._lobbies.put(lobby_id, draft, ttl)
        return _copy(draft), result

    async def delete_lobby(self, lobby_id: str) -> None:
        self._lobbies.pop(lobby_id, None)

    async def put_ticket(self, ticket: str, record: TicketRecord, ttl: float) -> None:
        self._tickets.put(ticket, record, ttl)

    async def take_ticket(self, ticket: str, player: str) -> TicketRecord | None:
        record = self._tickets.live(ticket)
        if record is None or record.player != player:
            return None
        del self._tickets[ticket]
        return record

    async def put_session(self, token: str, record: SessionRecord, ttl: float) -> None:
        self._sessions.put(token, record, ttl)

    async def get_session(self, token: str) -> SessionRecord | None:
        return self._sessions.live(token)

    async def put_match(self, match: MatchRecord, ttl: float) -> None:
        self._matches.put(match.id, match, ttl)

    async def get_match(self, match_id: str) -> MatchRecord | None:
        return self._matches.live(match_id)

    async def list_matches(self) -> list[MatchRecord]:
        return sorted(self._matches.values_live(), key=lambda m: m.id)

    async def delete_match(self, match_id: str) -> None:
        self._matches.pop(match_id, None)

    async def claim(self, key: str, owner: str, ttl: float) -> str:
        holder = self._claims.live(key)
        if holder is None:
            self._claims.put(key, owner, ttl)
            return owner
        return holder

    async def put_server(self, server: ServerRecord, ttl: float) -> None:
        self._servers.put(server.id, server, ttl)

    async def list_servers(self) -> list[ServerRecord]:
        return sorted(self._servers.values_live(), key=lambda s: s.id)

    async def delete_server(self, server_id: str) -> None:
        self._servers.pop(server_id, None)

    async def publish(self, channel: str, payload: bytes) -> None:
        for listener in list(self._listeners.get(channel, ())):
            result = listener(payload)
            if result is not None:
                await result

    async def subscribe(self, channel: str, listener: Listener) -> Unsubscribe:
        self._listeners.setdefault(channel, []).append(listener)

        def unsubscribe() -> None:
            listeners = self._listeners.get(channel, [])
            if listener in listeners:
                listeners.remove(listener)
            if not listeners:
                self._listeners.pop(channel, None)

        return unsubscribe

    async def close(self) -> None:
        self._listeners.clear()


def _copy(record: LobbyRecord) -> LobbyRecord:
    """Records handed out are copies, as they would be from a remote store."""
    return msgspec.msgpack.decode(msgspec.msgpack.encode(record), type=LobbyRecord)
