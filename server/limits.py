"""Per-connection rate limiting: a token bucket, and the point at which flooding closes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

FLOOD_WINDOW = 10.0  # seconds over which refused messages are counted


@dataclass
class TokenBucket:
    """``rate`` messages a second sustained, ``burst`` at once; counts what it refuses."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)
    refused: int = 0  # messages refused in the current flood window
    window_start: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if now - self.window_start > FLOOD_WINDOW:
            self.window_start, self.refused = now, 0
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.refused += 1
        return False
