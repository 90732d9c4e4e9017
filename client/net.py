"""The window's network thread: a websocket in a background asyncio loop, queues to the UI.

pyglet owns the main thread, so the socket lives in a daemon thread with its own event loop. The
UI thread calls ``send`` (encodes there, stamps a request id) and, once a frame, ``poll`` (the
messages decoded since the last call, plus ``Connected`` / ``Disconnected`` events). Decoding
happens in the network thread so a large snapshot never stalls a frame. When a ``Session`` is
attached, ``pump`` feeds it everything polled, which is how a delta gap turns into a ``resync``
without the UI doing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from client.session import (
    RECONNECT_DELAY_S,
    Connected,
    Disconnected,
    RequestIds,
    Session,
    TransportNote,
)
from shared.protocol import Message, ProtocolError, decode_server, encode

OPEN_TIMEOUT_S = 5.0  # a loopback or LAN server answers well within this
MAX_INCOMING_BYTES = 16 * 2**20  # a large map or snapshot is far below this; a runaway is not
CLOSE_TIMEOUT_S = 2.0


def describe_connect_error(url: str, exc: BaseException) -> str:
    """A sentence a player can act on, for each way opening the websocket can fail."""
    if isinstance(exc, InvalidURI):
        return f"{url!r} is not a websocket URL (expected ws://HOST:PORT/ws)"
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return (
            f"{url} answered HTTP {status} instead of a websocket: "
            "not a Khasan server, or the wrong path (expected /ws)"
        )
    if isinstance(exc, InvalidHandshake):
        return f"{url}: websocket handshake failed ({exc}); is this a Khasan server?"
    if isinstance(exc, TimeoutError):
        return f"no answer from {url} within {OPEN_TIMEOUT_S:.0f} s: server unreachable"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"cannot reach the server at {url}: {reason}"
    return f"cannot connect to {url}: {type(exc).__name__}: {exc}"


def describe_close(exc: ConnectionClosed) -> str:
    rcvd = exc.rcvd
    if rcvd is None:
        return "the connection to the server was lost"
    reason = f": {rcvd.reason}" if rcvd.reason else ""
    return f"the server closed the connection (code {rcvd.code}{reason})"


class NetClient:
    """One websocket connection, run in a background thread; thread-safe ``send``/``poll``."""

    def __init__(self, url: str, session: Session | None = None) -> None:
        self.url = url
        self.session = session
        self._ids = RequestIds()
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._outbox: list[bytes] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False
        self._ws: ClientConnection | None = None  # the open connection (network thread's)
        self._reconnect_at: float | None = None

    # -- UI thread --------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="khasan-net", daemon=True)
        self._thread.start()

    def send(self, msg: Message) -> int | None:
        """Queue a message for the server; returns the request id stamped on it, if any."""
        rid = self._ids.stamp(msg)
        data = encode(msg)
        with self._lock:
            self._outbox.append(data)
            loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed: nothing to wake
                loop.call_soon_threadsafe(wake.set)
        return rid

    def poll(self) -> list[Any]:
        """Every message (and Connected/Disconnected event) received since the last call."""
        out = []
        while True:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                return out

    def pump(self, now: float) -> list[Any]:
        """Poll, feed the attached session, and reconnect (elsewhere) when it asks to."""
        msgs = self.poll()
        session = self.session
        if session is not None:
            for msg in msgs:
                session.receive(msg, now)
            if session.switch_to:
                url, session.switch_to = session.switch_to, None
                self.reconnect(url)
            elif session.reconnect:
                session.reconnect = False
                self._reconnect_at = now + RECONNECT_DELAY_S
            if self._reconnect_at is not None and now >= self._reconnect_at:
                self._reconnect_at = None
                self.reconnect(self.url)
        return msgs

    def reconnect(self, url: str) -> None:
        """Drop this connection and open one to ``url`` (a match on another server)."""
        self.close()
        self.url = url
        self._stop.clear()
        with self._lock:
            self._outbox.clear()
        self.start()

    def close(self, timeout: float = CLOSE_TIMEOUT_S + 1.0) -> None:
        self._stop.set()
        with self._lock:
            loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    # -- network thread ---------------------------------------------------------------------
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as e:  # never die silently: the UI must learn why
            self._inbox.put(Disconnected(f"network thread failed: {type(e).__name__}: {e}"))

    async def _main(self) -> None:
        wake = asyncio.Event()
        with self._lock:
            self._loop, self._wake = asyncio.get_running_loop(), wake
            if self._outbox:
                wake.set()
        try:
            try:
                ws = await connect(
                    self.url,
                    compression=None,
                    open_timeout=OPEN_TIMEOUT_S,
                    close_timeout=CLOSE_TIMEOUT_S,
                    max_size=MAX_INCOMING_BYTES,
                    proxy=None,
                )
            except Exception as e:
                self._inbox.put(Disconnected(describe_connect_error(self.url, e)))
                return
            self.connected = True
            self._ws = ws
            self._inbox.put(Connected(self.url))
            await self._converse(ws, wake)
        finally:
            self.connected = False
            self._ws = None
            with self._lock:
                self._loop = self._wake = None

    async def _converse(self, ws: ClientConnection, wake: asyncio.Event) -> None:
        reader = asyncio.create_task(self._read(ws))
        try:
            while not self._stop.is_set() and not reader.done():
                waiter = asyncio.create_task(wake.wait())
                await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                wake.clear()
                with self._lock:
                    batch, self._outbox = self._outbox, []
                for data in batch:
                    try:
                        await ws.send(data)
                    except ConnectionClosed:
                        break
        finally:
            if self._stop.is_set():
                await ws.close()
                reader.cancel()
                self._inbox.put(Disconnected("closed", failed=False))
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for data in ws:
                if isinstance(data, str):
                    continue  # the protocol is binary frames only
                try:
                    self._inbox.put(decode_server(data))
                except ProtocolError as e:
                    # A newer server may send what we cannot read; say so and carry on.
                    self._inbox.put(TransportNote(f"ignored an undecodable message: {e}"))
            if not self._stop.is_set():
                self._inbox.put(Disconnected("the server closed the connection"))
        except ConnectionClosed as e:
            if not self._stop.is_set():
                self._inbox.put(Disconnected(describe_close(e)))
