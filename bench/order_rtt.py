"""Order round trip under fan-out load: play a side while N spectators watch the same match.

The benchmark's connection takes the Soviet seat (Japan is the AI) and, once every spectator is
connected, sends ``--orders`` move orders at ``--order-rate`` per second, timing each from send to
its ``orders.result``; pings at ``--ping-rate`` alongside give the transport's own round trip as a
baseline, and both are first timed on the idle server. The fan-out report of ``bench.fanout`` comes
with it. Orders plus pings stay under the server's default rate limit of 30 messages per second;
above it the benchmark raises the server's ``--rate-limit``.

    python -m bench.order_rtt --spectators 1000 --orders 500
    python -m bench.order_rtt --spectators 50 --orders 50     # smoke check
"""

from __future__ import annotations

import sys

from bench.fanout import BenchConfig, main

DEFAULTS = BenchConfig(orders=500, seconds=0.0)  # the window lasts as long as the orders


if __name__ == "__main__":
    sys.exit(main(defaults=DEFAULTS, prog="python -m bench.order_rtt"))
