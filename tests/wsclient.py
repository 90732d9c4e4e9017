"""A deliberately plain protocol client for tests: raw msgpack over websockets, as a third-party
client would speak it, independent of ``shared.protocol``'s own codec."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

Msg = dict[str, Any]


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.inbox: asyncio.Queue[Msg] = asyncio.Queue()
        self.replies: dict[int, asyncio.Future[Msg]] = {}
        self.seen: list[Msg] = []
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read())
        self.player: str | None = None
        self.token: str | None = None

    @classmethod
    async def connect(cls, url: str, name: str | None = None) -> Client:
        ws = await connect(url, compression=None, max_size=None)
        client = cls(ws)
        if name is not None:
            welcome = await client.request({"t": "hello", "protocol": 1, "name": name})
            assert welcome["t"] == "welcome", welcome
            client.player, client.token = welcome["player"], welcome["token"]
        return client

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                msg = msgpack.unpackb(data) if isinstance(data, bytes) else {"t": "text"}
                self.seen.append(msg)
                fut = self.replies.pop(msg.get("re", -1), None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                else:
                    await self.inbox.put(msg)
        except Exception:  # closed: pending requests fail below on timeout
            pass

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    async def send(self, msg: Msg) -> None:
        await self.ws.send(msgpack.packb(msg))

    async def request(self, msg: Msg, timeout: float = 10.0) -> Msg:
        rid = next(self._ids)
        fut: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self.replies[rid] = fut
        await self.send({**msg, "id": rid})
        return await asyncio.wait_for(fut, timeout)

    async def next(self, t: str, timeout: float = 10.0, **match: Any) -> Msg:
        """The next pushed message of type ``t`` (others are skipped but kept in ``seen``)."""

        async def find() -> Msg:
            while True:
                msg = await self.inbox.get()
                if msg.get("t") == t and all(msg.get(k) == v for k, v in match.items()):
                    return msg

        return await asyncio.wait_for(find(), timeout)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()


async def start_match(
    url: str,
    side: str = "soviet",
    ai: dict[str, str] | None = None,
    speed: float = 1.0,
    seed: int = 7,
) -> tuple[Client, Msg]:
    """A player creates a lobby against the AI, takes ``side``, starts, and joins the match."""
    other = "japan" if side == "soviet" else "soviet"
    player = await Client.connect(url, f"player-{side}")
    state = await player.request(
        {
            "t": "lobby.create",
            "name": "test",
            "scenario": "lake-khasan",
            "ai": ai if ai is not None else {other: "normal"},
            "speed": speed,
            "seed": seed,
        }
    )
    lobby = state["lobby"]["id"]
    assert (await player.request({"t": "lobby.join", "lobby": lobby, "side": side}))[
        "t"
    ] == "lobby.state"
    await player.request({"t": "lobby.ready"})
    assert (await player.request({"t": "lobby.start"}))["t"] == "ok"
    start = await player.next("match.start")
    joined = await player.request(
        {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
    )
    assert joined["t"] == "joined", joined
    await player.next("map")
    snapshot = await player.next("snapshot")
    return player, snapshot
