"""Server settings, from flags with ``KHASAN_*`` environment variables as defaults."""

from __future__ import annotations

import argparse
import os
import socket
from dataclasses import dataclass

from shared.protocol import MAX_MESSAGE_BYTES


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 8765
    public_url: str | None = None  # the ws:// URL clients are told to connect to
    internal_url: str | None = None  # how other server processes reach this one
    redis_url: str | None = None  # None: the embedded in-memory store, one process
    redis_prefix: str = "khasan:"
    server_id: str | None = None  # defaults to a fresh random id per process
    capacity: int = 1000  # connections this process is sized for; placement avoids full ones
    tick_rate: float = 10.0  # simulation loop iterations per second
    network_rate: float = 10.0  # deltas sent per second (a divisor of the tick rate)
    max_message_bytes: int = MAX_MESSAGE_BYTES
    rate_limit: float = 30.0  # messages per second a connection may send, sustained
    rate_burst: float = 60.0
    flood_close: int = 200  # messages refused within limits.FLOOD_WINDOW before closing
    send_buffer_limit: int = 256 * 1024
    lag_timeout: float = 15.0
    reconnect_grace: float = 60.0  # seconds a dropped player's seat waits before the AI steps in
    match_linger: float = 300.0  # seconds a finished match stays up for its viewers
    heartbeat: float = 1.0  # seconds between registry refreshes
    registry_ttl: float = 5.0  # a server missing heartbeats this long is gone
    log_level: str = "info"
    log_format: str = "text"  # text | json

    def url_for_clients(self, bound_port: int) -> str:
        if self.public_url:
            return _fill(self.public_url, bound_port)
        return self.local_url(bound_port)

    def url_for_servers(self, bound_port: int) -> str:
        if self.internal_url:
            return _fill(self.internal_url, bound_port)
        return self.local_url(bound_port)

    def local_url(self, bound_port: int) -> str:
        """The address this process listens on, as seen from this machine."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"ws://{host}:{bound_port}/ws"


def _fill(template: str, port: int) -> str:
    return template.replace("{hostname}", socket.gethostname()).replace("{port}", str(port))


def _env(name: str, default: object) -> str:
    return os.environ.get(f"KHASAN_{name}", str(default) if default is not None else "")


def parse(argv: list[str] | None = None) -> Settings:
    d = Settings()
    ap = argparse.ArgumentParser(
        prog="khasan-server",
        description="Run a Khasan game server. Every flag defaults to the environment variable "
        "in brackets. Without --redis-url the server keeps lobbies in its own memory; with it, "
        "any number of servers sharing one Redis form one service.",
    )

    def flag(name: str, env: str, default: object, help_: str, **kw: object) -> None:
        ap.add_argument(name, default=_env(env, default), help=f"{help_} [KHASAN_{env}]", **kw)

    flag("--host", "HOST", d.host, "address to bind")
    flag("--port", "PORT", d.port, "port to bind; 0 picks a free one", type=int)
    flag(
        "--public-url",
        "PUBLIC_URL",
        None,
        "ws:// URL clients use to reach this server; {hostname} and {port} are filled in",
    )
    flag(
        "--internal-url",
        "INTERNAL_URL",
        None,
        "ws:// URL other server processes use to reach "
        "this one (default: the address it listens on); {hostname} and {port} are filled in",
    )
    flag("--redis-url", "REDIS_URL", None, "share lobbies through this Redis (redis://host:6379/0)")
    flag("--redis-prefix", "REDIS_PREFIX", d.redis_prefix, "namespace of every Redis key")
    flag("--server-id", "SERVER_ID", None, "this process's id in the registry (default: random)")
    flag("--capacity", "CAPACITY", d.capacity, "connections this process is sized for", type=int)
    flag("--tick-rate", "TICK_RATE", d.tick_rate, "simulation loop rate, per second", type=float)
    flag("--network-rate", "NETWORK_RATE", d.network_rate, "deltas sent per second", type=float)
    flag(
        "--rate-limit", "RATE_LIMIT", d.rate_limit, "messages/s one connection may send", type=float
    )
    flag(
        "--send-buffer-limit",
        "SEND_BUFFER_LIMIT",
        d.send_buffer_limit,
        "bytes queued to one client before it is skipped as lagging",
        type=int,
    )
    flag(
        "--lag-timeout",
        "LAG_TIMEOUT",
        d.lag_timeout,
        "seconds a lagging client is kept before it is closed",
        type=float,
    )
    flag(
        "--reconnect-grace",
        "RECONNECT_GRACE",
        d.reconnect_grace,
        "seconds a dropped player's seat is held before the AI stands in",
        type=float,
    )
    flag(
        "--log-level",
        "LOG_LEVEL",
        d.log_level,
        "log level",
        choices=["debug", "info", "warning", "error"],
    )
    flag(
        "--log-format",
        "LOG_FORMAT",
        d.log_format,
        "log lines as text or JSON",
        choices=["text", "json"],
    )
    a = ap.parse_args(argv)
    if not 0 < a.tick_rate <= 120:
        ap.error("--tick-rate must be in (0, 120]")
    if not 0 < a.network_rate <= a.tick_rate:
        ap.error("--network-rate must be in (0, tick rate]")
    if a.capacity < 1:
        ap.error("--capacity must be at least 1")
    return Settings(
        host=a.host,
        port=a.port,
        public_url=a.public_url or None,
        internal_url=a.internal_url or None,
        redis_url=a.redis_url or None,
        redis_prefix=a.redis_prefix,
        server_id=a.server_id or None,
        capacity=a.capacity,
        tick_rate=a.tick_rate,
        network_rate=a.network_rate,
        rate_limit=a.rate_limit,
        rate_burst=max(a.rate_limit * 2, 1.0),
        send_buffer_limit=a.send_buffer_limit,
        lag_timeout=a.lag_timeout,
        reconnect_grace=a.reconnect_grace,
        log_level=a.log_level,
        log_format=a.log_format,
    )
