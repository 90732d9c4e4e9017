"""``LobbyStore``: everything several server processes must share, behind one interface.

The embedded ``MemoryStore`` serves a single process with no Redis (the default); a Redis store
implements the same contract for many processes. Both are run through the same contract tests.
Mutations of a lobby go through ``mutate_lobby``, which must be atomic: two players racing for
the last seat, exactly one wins.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from server.records import LobbyRecord, MatchRecord, SessionRecord, TicketRecord

T = TypeVar("T")
Listener = Callable[[bytes], Awaitable[None] | None]


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; lobby requests answer ``lobby_unavailable``."""


class LobbyStore(Protocol):
    async def create_lobby(self, lobby: LobbyRecord) -> None: ...
    async def get_lobby(self, lobby_id: str) -> LobbyRecord | None: ...
    async def list_lobbies(self) -> list[LobbyRecord]: ...
    async def mutate_lobby(
        self, lobby_id: str, change: Callable[[LobbyRecord], T]
    ) -> tuple[LobbyRecord, T]:
        """Apply ``change`` atomically; it may raise to abort. Returns the new record."""
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
    async def list_matches(self) -> list[MatchRecord]: ...
    async def delete_match(self, match_id: str) -> None: ...
    async def publish(self, channel: str, payload: bytes) -> None: ...
    def subscribe(self, channel: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every payload published on ``channel``; returns unsubscribe."""
        ...

    async def close(self) -> None: ...


class MemoryStore:
    """The embedded store: dicts in this process, with TTLs checked on read."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lobbies: dict[str, LobbyRecord] = {}
        self._tickets: dict[str, tuple[float, TicketRecord]] = {}
        self._sessions: dict[str, tuple[float, SessionRecord]] = {}
        self._matches: dict[str, tuple[float, MatchRecord]] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._lock = asyncio.Lock()

    async def create_lobby(self, lobby: LobbyRecord) -> None:
        self._lobbies[lobby.id] = lobby

    async def get_lobby(self, lobby_id: str) -> LobbyRecord | None:
        return self._lobbies.get(lobby_id)

    async def list_lobbies(self) -> list[LobbyRecord]:
        return sorted(self._lobbies.values(), key=lambda lob: (lob.created, lob.id))

    async def mutate_lobby(
        self, lobby_id: str, change: Callable[[LobbyRecord], T]
    ) -> tuple[LobbyRecord, T]:
        async with self._lock:
            current = self._lobbies.get(lobby_id)
            if current is None:
                raise KeyError(lobby_id)
            # Work on a copy so that a change that raises leaves the record untouched.
            draft = _copy(current)
            result = change(draft)
            self._lobbies[lobby_id] = draft
            return draft, result

    async def delete_lobby(self, lobby_id: str) -> None:
        self._lobbies.pop(lobby_id, None)

    async def put_ticket(self, ticket: str, record: TicketRecord, ttl: float) -> None:
        self._tickets[ticket] = (self._clock() + ttl, record)

    async def take_ticket(self, ticket: str, player: str) -> TicketRecord | None:
        entry = self._tickets.get(ticket)
        if entry is None or entry[1].player != player:
            return None
        del self._tickets[ticket]
        return entry[1] if entry[0] >= self._clock() else None

    async def put_session(self, token: str, record: SessionRecord, ttl: float) -> None:
        self._sessions[token] = (self._clock() + ttl, record)

    async def get_session(self, token: str) -> SessionRecord | None:
        entry = self._sessions.get(token)
        if entry is None or entry[0] < self._clock():
            self._sessions.pop(token, None)
            return None
        return entry[1]

    async def put_match(self, match: MatchRecord, ttl: float) -> None:
        self._matches[match.id] = (self._clock() + ttl, match)

    async def list_matches(self) -> list[MatchRecord]:
        now = self._clock()
        for key in [k for k, (exp, _) in self._matches.items() if exp < now]:
            del self._matches[key]
        return [m for _, m in sorted(self._matches.values(), key=lambda e: e[1].id)]

    async def delete_match(self, match_id: str) -> None:
        self._matches.pop(match_id, None)

    async def publish(self, channel: str, payload: bytes) -> None:
        for listener in list(self._listeners.get(channel, ())):
            result = listener(payload)
            if result is not None:
                await result

    def subscribe(self, channel: str, listener: Listener) -> Callable[[], None]:
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
    import msgspec

    return msgspec.msgpack.decode(msgspec.msgpack.encode(record), type=LobbyRecord)
