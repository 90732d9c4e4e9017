"""Per-connection rate limiting: a token bucket, and the point at which flooding closes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float  # messages per second sustained
    burst: float  # messages allowed at once
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)
    dropped: int = 0  # messages refused since the last one let through

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            self.dropped = 0
            return True
        self.dropped += 1
        return False
