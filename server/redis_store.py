"""``RedisStore``: the ``LobbyStore`` contract on Redis, so many server processes share lobbies.

Keys (all under the namespace prefix, default ``khasan:``; docs/operations.md lists them with
their TTLs):

- ``lobby:<id>``: msgpack ``LobbyRecord``, TTL ``LOBBY_TTL`` renewed on every change; the sorted
  set ``lobbies`` indexes them by creation time (entries whose key expired are pruned on read).
- ``ticket:<t>``: msgpack ``TicketRecord``; taken by a Lua script that checks the player.
- ``session:<token>``, ``match:<id>`` (+ sorted set ``matches``), ``server:<id>``
  (+ sorted set ``servers``), ``claim:<key>``.
- Pub/sub channels ``ch:<channel>`` carry lobby changes and per-player pushes.

Every command has a short socket timeout: when Redis is away, callers get ``StoreUnavailable``
within about a second instead of hanging, and redis-py reconnects when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.records import LobbyRecord, MatchRecord, ServerRecord, SessionRecord, TicketRecord
from server.store import LOBBY_TTL, Listener, StoreUnavailable, Unsubscribe

log = logging.getLogger("khasan.redis")

T = TypeVar("T")
R = TypeVar("R", bound=msgspec.Struct)

COMMAND_TIMEOUT = 1.0  # seconds before a Redis command counts as failed
COMMAND_RETRIES = 2  # quick retries of a command whose connection broke
MUTATE_RETRIES = 50  # optimistic-lock attempts before a contended lobby gives up
SUBSCRIBE_TIMEOUT = 3.0

# Return and delete a ticket only when it belongs to the player presenting it.
_TAKE_TICKET = """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local ticket = cmsgpack.unpack(raw)
if ticket['player'] ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1])
return raw
"""


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisStore:
    kind = "redis"

    def __init__(self, url: str, prefix: str = "khasan:") -> None:
        self.url = url
        self.prefix = prefix
        self.redis = aioredis.Redis.from_url(
            url,
            socket_timeout=COMMAND_TIMEOUT,
            socket_connect_timeout=COMMAND_TIMEOUT,
            health_check_interval=10,
            # After Redis restarts, every pooled connection is dead; a quick retry on a fresh
            # one means the first request after the restart does not fail for that.
            retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), COMMAND_RETRIES),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._take_ticket = self.redis.register_script(_TAKE_TICKET)
        self._listeners: dict[str, list[Listener]] = {}
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._closed = False

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (RedisConnectionError, RedisTimeoutError, OSError) as e:
            raise StoreUnavailable(str(e)) from None

    async def ping(self) -> None:
        await self._call(self.redis.ping())

    # -- lobbies ----------------------------------------------------------------------------
    async def create_lobby(self, lobby: LobbyRecord, ttl: float = LOBBY_TTL) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k("lobby", lobby.id), msgspec.msgpack.encode(lobby), px=_ms(ttl))
            pipe.zadd(self._k("lobbies"), {lobby.id: lobby.created})
            await self._call(pipe.execute())

    async def get_lobby(self, lobby_id: str) -> LobbyRecord | None:
        raw = await self._call(self.redis.get(self._k("lobby", lobby_id)))
        return msgspec.msgpack.decode(raw, type=LobbyRecord) if raw else None

    async def list_lobbies(self) -> list[LobbyRecord]:
        return await self._list("lobbies", "lobby", LobbyRecord)

    async def _list(self, index: str, kind: str, type_: type[R]) -> list[R]:
        ids = [i.decode() for i in await self._call(self.redis.zrange(self._k(index), 0, -1))]
        if not ids:
            return []
        raws = await self._call(self.redis.mget([self._k(kind, i) for i in ids]))
        gone = [i for i, raw in zip(ids, raws, strict=True) if raw is None]
        if gone:
            await self._call(self.redis.zrem(self._k(index), *gone))
        return [msgspec.msgpack.decode(raw, type=type_) for raw in raws if raw is not None]

    async def mutate_lobby(
        self, lobby_id: str, change: Callable[[LobbyRecord], T], ttl: float = LOBBY_TTL
    ) -> tuple[LobbyRecord, T]:
        key = self._k("lobby", lobby_id)
        for _ in range(MUTATE_RETRIES):
            try:
                async with self.redis.pipeline(transaction=True) as pipe:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        raise KeyError(lobby_id)
                    draft = msgspec.msgpack.decode(raw, type=LobbyRecord)
                    result = change(draft)
                    pipe.multi()
                    pipe.set(key, msgspec.msgpack.encode(draft), px=_ms(ttl))
                    await pipe.execute()
                    return draft, result
            except WatchError:
                await asyncio.sleep(0)  # someone else changed it first: read again
            except (RedisConnectionError, RedisTimeoutError, OSError) as e:
                raise StoreUnavailable(str(e)) from None
        raise StoreUnavailable(f"lobby {lobby_id} is too contended")

    async def delete_lobby(self, lobby_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._k("lobby", lobby_id))
            pipe.zrem(self._k("lobbies"), lobby_id)
            await self._call(pipe.execute())

    # -- tickets and sessions ---------------------------------------------------------------
    async def put_ticket(self, ticket: str, record: TicketRecord, ttl: float) -> None:
        key = self._k("ticket", ticket)
        await self._call(self.redis.set(key, msgspec.msgpack.encode(record), px=_ms(ttl)))

    async def take_ticket(self, ticket: str, player: str) -> TicketRecord | None:
        raw = await self._call(self._take_ticket(keys=[self._k("ticket", ticket)], args=[player]))
        return msgspec.msgpack.decode(raw, type=TicketRecord) if raw else None

    async def put_session(self, token: str, record: SessionRecord, ttl: float) -> None:
        key = self._k("session", token)
        await self._call(self.redis.set(key, msgspec.msgpack.encode(record), px=_ms(ttl)))

    async def get_session(self, token: str) -> SessionRecord | None:
        raw = await self._call(self.redis.get(self._k("session", token)))
        return msgspec.msgpack.decode(raw, type=SessionRecord) if raw else None

    # -- matches, claims, servers -----------------------------------------------------------
    async def put_match(self, match: MatchRecord, ttl: float) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k("match", match.id), msgspec.msgpack.encode(match), px=_ms(ttl))
            pipe.zadd(self._k("matches"), {match.id: 0})
            await self._call(pipe.execute())

    async def get_match(self, match_id: str) -> MatchRecord | None:
        raw = await self._call(self.redis.get(self._k("match", match_id)))
        return msgspec.msgpack.decode(raw, type=MatchRecord) if raw else None

    async def list_matches(self) -> list[MatchRecord]:
        return sorted(await self._list("matches", "match", MatchRecord), key=lambda m: m.id)

    async def delete_match(self, match_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._k("match", match_id))
            pipe.zrem(self._k("matches"), match_id)
            await self._call(pipe.execute())

    async def claim(self, key: str, owner: str, ttl: float) -> str:
        full = self._k("claim", key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(full, owner, nx=True, px=_ms(ttl))
            pipe.get(full)
            _, holder = await self._call(pipe.execute())
        return holder.decode() if holder else owner

    async def put_server(self, server: ServerRecord, ttl: float) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k("server", server.id), msgspec.msgpack.encode(server), px=_ms(ttl))
            pipe.zadd(self._k("servers"), {server.id: server.started})
            await self._call(pipe.execute())

    async def list_servers(self) -> list[ServerRecord]:
        return sorted(await self._list("servers", "server", ServerRecord), key=lambda s: s.id)

    async def delete_server(self, server_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._k("server", server_id))
            pipe.zrem(self._k("servers"), server_id)
            await self._call(pipe.execute())

    # -- pub/sub ----------------------------------------------------------------------------
    async def publish(self, channel: str, payload: bytes) -> None:
        await self._call(self.redis.publish(self._k("ch", channel), payload))

    async def subscribe(self, channel: str, listener: Listener) -> Unsubscribe:
        listeners = self._listeners.setdefault(channel, [])
        listeners.append(listener)
        if len(listeners) == 1:
            try:
                await self._redis_subscribe(channel)
            except Exception:
                listeners.remove(listener)
                if not listeners:
                    self._listeners.pop(channel, None)
                raise

        def unsubscribe() -> None:
            current = self._listeners.get(channel, [])
            if listener in current:
                current.remove(listener)
            if not current:
                self._listeners.pop(channel, None)
                if self._pubsub is not None and not self._closed:
                    task = asyncio.get_running_loop().create_task(
                        self._pubsub.unsubscribe(self._k("ch", channel))
                    )
                    task.add_done_callback(_ignore_result)

        return unsubscribe

    async def _redis_subscribe(self, channel: str) -> None:
        if self._pubsub is None:
            self._pubsub = self.redis.pubsub()
        full = self._k("ch", channel)
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(full, []).append(confirmed)
        try:
            await self._call(self._pubsub.subscribe(full))
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="redis-pubsub")
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT)
        except TimeoutError:
            raise StoreUnavailable("subscription not confirmed") from None
        finally:
            waiting = self._confirmations.get(full, [])
            if confirmed in waiting:
                waiting.remove(confirmed)

    async def _read(self) -> None:
        """Deliver messages to local listeners; survive Redis going away and coming back."""
        backoff = 0.1
        while not self._closed:
            try:
                msg = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.1
            except (RedisError, OSError) as e:
                log.warning("pub/sub connection lost (%s); retrying in %.1fs", e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue  # the next read reconnects, and reconnecting resubscribes
            if msg is None:
                continue
            channel = msg["channel"].decode()
            if msg["type"] == "subscribe":
                for fut in self._confirmations.pop(channel, []):
                    if not fut.done():
                        fut.set_result(None)
                continue
            if msg["type"] != "message":
                continue
            name = channel[len(self._k("ch", "")) :]
            for listener in list(self._listeners.get(name, ())):
                try:
                    result = listener(msg["data"])
                    if result is not None:
                        await result
                except Exception:
                    log.exception("listener on %s failed", name)

    async def close(self) -> None:
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self.redis.aclose()


def _ignore_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
