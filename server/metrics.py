"""Prometheus metrics of one server process, served at ``GET /metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """One registry per server, so tests can run several servers in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("khasan_connections", "Open websocket connections", registry=r)
        self.matches = Gauge("khasan_matches", "Matches running in this process", registry=r)
        self.lobbies = Gauge("khasan_lobbies", "Lobbies in the shared store", registry=r)
        self.tick_seconds = Histogram(
            "khasan_tick_duration_seconds",
            "Time one match tick takes",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
            registry=r,
        )
        self.tick_overruns = Counter(
            "khasan_tick_overruns_total", "Ticks that started late", registry=r
        )
        self.bytes_sent = Counter(
            "khasan_bytes_sent_total", "State bytes sent, by view", ["view"], registry=r
        )
        self.orders_rejected = Counter(
            "khasan_orders_rejected_total", "Orders refused, by code", ["code"], registry=r
        )
        self.errors = Counter(
            "khasan_errors_total", "Error replies sent, by code", ["code"], registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
