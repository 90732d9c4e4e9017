"""Server settings, from flags with ``KHASAN_*`` environment variables as defaults."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from shared.protocol import MAX_MESSAGE_BYTES


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 8765
    public_url: str | None = None  # the ws:// URL clients are told to connect to
    tick_rate: float = 10.0  # network ticks per second
    max_message_bytes: int = MAX_MESSAGE_BYTES
    rate_limit: float = 30.0  # messages per second a connection may send, sustained
    rate_burst: float = 60.0
    flood_close: int = 200  # messages refused within limits.FLOOD_WINDOW before closing
    send_buffer_limit: int = 256 * 1024
    lag_timeout: float = 15.0
    match_linger: float = 300.0  # seconds a finished match stays up for its viewers
    log_level: str = "info"

    def url_for_clients(self, bound_port: int) -> str:
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"ws://{host}:{bound_port}/ws"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"KHASAN_{name}", default)


def parse(argv: list[str] | None = None) -> Settings:
    d = Settings()
    ap = argparse.ArgumentParser(
        prog="khasan-server",
        description="Run a Khasan game server (embedded lobby store). Flags default to the "
        "KHASAN_* environment variable named in brackets.",
    )
    ap.add_argument("--host", default=_env("HOST", d.host), help="address to bind [HOST]")
    ap.add_argument(
        "--port", type=int, default=int(_env("PORT", str(d.port))), help="0 picks one [PORT]"
    )
    ap.add_argument(
        "--public-url",
        default=_env("PUBLIC_URL", "") or None,
        help="ws:// URL clients use to reach this server [PUBLIC_URL]",
    )
    ap.add_argument(
        "--tick-rate",
        type=float,
        default=float(_env("TICK_RATE", str(d.tick_rate))),
        help="network ticks per second [TICK_RATE]",
    )
    ap.add_argument(
        "--rate-limit",
        type=float,
        default=float(_env("RATE_LIMIT", str(d.rate_limit))),
        help="messages per second one connection may send [RATE_LIMIT]",
    )
    ap.add_argument(
        "--send-buffer-limit",
        type=int,
        default=int(_env("SEND_BUFFER_LIMIT", str(d.send_buffer_limit))),
        help="bytes queued to one client before it is skipped as lagging [SEND_BUFFER_LIMIT]",
    )
    ap.add_argument(
        "--lag-timeout",
        type=float,
        default=float(_env("LAG_TIMEOUT", str(d.lag_timeout))),
        help="seconds a lagging client is kept before it is closed [LAG_TIMEOUT]",
    )
    ap.add_argument(
        "--log-level",
        default=_env("LOG_LEVEL", d.log_level),
        choices=["debug", "info", "warning", "error"],
        help="[LOG_LEVEL]",
    )
    a = ap.parse_args(argv)
    if a.tick_rate <= 0 or a.tick_rate > 120:
        ap.error("--tick-rate must be in (0, 120]")
    return Settings(
        host=a.host,
        port=a.port,
        public_url=a.public_url,
        tick_rate=a.tick_rate,
        rate_limit=a.rate_limit,
        rate_burst=max(a.rate_limit * 2, 1.0),
        send_buffer_limit=a.send_buffer_limit,
        lag_timeout=a.lag_timeout,
        log_level=a.log_level,
    )
