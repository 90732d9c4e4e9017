"""The ``LobbyStore`` contract. Every store implementation runs these same tests."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from server.lobby import LobbyError
from server.records import (
    LobbyRecord,
    MatchRecord,
    SeatRecord,
    ServerRecord,
    SessionRecord,
    TicketRecord,
)
from server.redis_store import RedisStore
from server.store import LobbyStore, MemoryStore


class FakeClock:
    """Stands in for time in the memory store, so its TTLs are tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


TTL = 0.4  # short enough to wait out against a real Redis
Advance = Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", "redis"])
async def store_and_clock(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[LobbyStore, Advance]]:
    """Each contract test runs against the embedded store and a real Redis."""
    if request.param == "memory":
        clock = FakeClock()

        async def advance(seconds: float) -> None:
            clock.now += seconds

        store: LobbyStore = MemoryStore(clock=clock)
    else:
        url = request.getfixturevalue("redis_url")
        # A fresh namespace per test keeps tests apart on a shared server.
        store = RedisStore(url, prefix=f"test-{secrets.token_hex(4)}:")

        async def advance(seconds: float) -> None:
            await asyncio.sleep(seconds)

    yield store, advance
    await store.close()


def lobby(lobby_id: str = "L1", created: float = 1.0) -> LobbyRecord:
    return LobbyRecord(
        id=lobby_id,
        name="test",
        scenario="lake-khasan",
        title="Lake Khasan",
        host="p1",
        seats={"soviet": SeatRecord(), "japan": SeatRecord(ai="normal")},
        spectators={"p1": "one"},
        created=created,
    )


async def test_lobbies_are_created_listed_and_deleted(store_and_clock) -> None:
    store, _ = store_and_clock
    await store.create_lobby(lobby("B", created=2.0))
    await store.create_lobby(lobby("A", created=1.0))
    assert [lob.id for lob in await store.list_lobbies()] == ["A", "B"]
    got = await store.get_lobby("A")
    assert got is not None and got.seats["japan"].ai == "normal"
    await store.delete_lobby("A")
    assert await store.get_lobby("A") is None
    assert [lob.id for lob in await store.list_lobbies()] == ["B"]


async def test_mutation_that_raises_changes_nothing(store_and_clock) -> None:
    store, _ = store_and_clock
    await store.create_lobby(lobby())

    def bad(rec: LobbyRecord) -> None:
        rec.name = "changed"
        raise LobbyError("seat_taken")

    with pytest.raises(LobbyError):
        await store.mutate_lobby("L1", bad)
    got = await store.get_lobby("L1")
    assert got is not None and got.name == "test"
    with pytest.raises(KeyError):
        await store.mutate_lobby("missing", lambda rec: None)


async def test_racing_for_the_last_seat_exactly_one_wins(store_and_clock) -> None:
    store, _ = store_and_clock
    await store.create_lobby(lobby())

    def take(player: str) -> Callable[[LobbyRecord], str]:
        def change(rec: LobbyRecord) -> str:
            if rec.seats["soviet"].player is not None:
                raise LobbyError("seat_taken")
            rec.seats["soviet"] = SeatRecord(player=player)
            return player

        return change

    results = await asyncio.gather(
        *(store.mutate_lobby("L1", take(f"p{i}")) for i in range(10)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, LobbyError) for r in results if isinstance(r, BaseException))
    got = await store.get_lobby("L1")
    assert got is not None and got.seats["soviet"].player == winners[0][1]


async def test_tickets_are_single_use_and_only_for_their_player(store_and_clock) -> None:
    store, _ = store_and_clock
    await store.put_ticket("t1", TicketRecord("m1", "soviet", "p1"), ttl=60)
    assert await store.take_ticket("t1", "intruder") is None
    taken = await store.take_ticket("t1", "p1")
    assert taken == TicketRecord("m1", "soviet", "p1")
    assert await store.take_ticket("t1", "p1") is None


async def test_tickets_and_sessions_expire(store_and_clock) -> None:
    store, advance = store_and_clock
    await store.put_ticket("t1", TicketRecord("m1", "soviet", "p1"), ttl=TTL)
    await store.put_session("tok", SessionRecord("p1", "one"), ttl=TTL)
    assert await store.get_session("tok") == SessionRecord("p1", "one")
    await advance(TTL + 0.2)
    assert await store.take_ticket("t1", "p1") is None
    assert await store.get_session("tok") is None


async def test_matches_are_listed_until_their_ttl(store_and_clock) -> None:
    store, advance = store_and_clock
    await store.put_match(MatchRecord("m1", "lake-khasan", "Lake Khasan", "ws://a/ws"), ttl=TTL)
    await store.put_match(MatchRecord("m2", "lake-khasan", "Lake Khasan", "ws://b/ws"), ttl=30)
    assert [m.id for m in await store.list_matches()] == ["m1", "m2"]
    assert (await store.get_match("m2")).server == "ws://b/ws"
    await advance(TTL + 0.2)
    assert [m.id for m in await store.list_matches()] == ["m2"]
    await store.delete_match("m2")
    assert await store.list_matches() == []


async def test_publish_reaches_subscribers_until_they_unsubscribe(store_and_clock) -> None:
    store, _ = store_and_clock
    got: list[bytes] = []
    other: list[bytes] = []
    unsubscribe = await store.subscribe("lobby:L1", got.append)
    await store.subscribe("lobby:L2", other.append)
    await store.publish("lobby:L1", b"one")
    await asyncio.sleep(0.05)
    unsubscribe()
    await store.publish("lobby:L1", b"two")
    await asyncio.sleep(0.05)
    assert got == [b"one"]
    assert other == []


async def test_idle_lobbies_expire_and_changes_renew_them(store_and_clock) -> None:
    store, advance = store_and_clock
    await store.create_lobby(lobby("A"), ttl=TTL)
    await store.create_lobby(lobby("B"), ttl=TTL)
    await advance(TTL / 2)
    await store.mutate_lobby("B", lambda rec: None, ttl=TTL)
    await advance(TTL / 2 + 0.1)
    assert await store.get_lobby("A") is None
    assert [lob.id for lob in await store.list_lobbies()] == ["B"]


async def test_claims_have_exactly_one_owner(store_and_clock) -> None:
    store, advance = store_and_clock
    holders = await asyncio.gather(*(store.claim("host:L1", f"s{i}", ttl=TTL) for i in range(8)))
    assert len(set(holders)) == 1
    await advance(TTL + 0.2)
    assert await store.claim("host:L1", "late", ttl=TTL) == "late"


async def test_servers_register_and_vanish_without_heartbeat(store_and_clock) -> None:
    store, advance = store_and_clock
    await store.put_server(ServerRecord("a", "ws://a/ws", 100, connections=5), ttl=TTL)
    await store.put_server(ServerRecord("b", "ws://b/ws", 100), ttl=30)
    assert [s.id for s in await store.list_servers()] == ["a", "b"]
    await advance(TTL + 0.2)
    assert [s.id for s in await store.list_servers()] == ["b"]
    await store.delete_server("b")
    assert await store.list_servers() == []
