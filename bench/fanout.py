"""Fan-out benchmark: N spectators of one match, each checking that it gets every delta.

Starts a real ``khasan-server`` process, hosts a match on it, and connects the spectators from
``--workers`` client processes at ``--connect-rate`` per second, so that the handshake storm is
over before anything is measured. After ``--settle`` seconds the measured window begins; it lasts
``--seconds`` (or, with ``--orders``, as long as sending the orders takes). The benchmark's own
connection pings the server all along the window, and with ``--orders`` also plays the Soviet
side and times orders (see ``bench.order_rtt``).

It reports what it saw and never judges it: the exit status is non-zero only when the benchmark
itself could not run (the server did not start, the match could not be set up, a worker crashed).

    python -m bench.fanout --spectators 1000 --seconds 30
    python -m bench.fanout --spectators 50 --seconds 5        # smoke check
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import multiprocessing as mp
import os
import queue
import resource
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.player import BenchError, PlayerConnection, RoundTrips
from bench.server_process import (
    ServerProcess,
    cpu_seconds,
    machine_busy,
    machine_description,
    raise_fd_limit,
)
from bench.spectators import WorkerPlan, WorkerReport, worker_main
from shared import protocol as p

DEFAULT_RATE_LIMIT = 30.0  # the server's own default, messages per second per connection
CONNECT_SLACK_S = 30.0  # beyond N / connect-rate, how long connecting may take
COLLECT_TIMEOUT_S = 30.0  # for the workers' reports after the window
BASELINE_RATE = 20.0  # requests per second when timing round trips on an idle server


@dataclass
class BenchConfig:
    spectators: int = 1000
    seconds: float = 30.0
    workers: int = 2
    connect_rate: float = 200.0  # new spectator connections per second, all workers together
    settle: float = 3.0  # seconds between the last connection and the window
    scenario: str = "lake-khasan"
    speed: float = 1.0  # game hours per second: lake-khasan then runs for ~5 minutes
    orders: int = 0  # orders to time during the window; 0 hosts an AI-vs-AI match
    order_rate: float = 20.0
    ping_rate: float = 5.0
    baseline: int = 40  # pings (and orders) timed before any spectator connects
    pin: bool = False  # server alone on one CPU, every client process on the others
    server_args: list[str] = field(default_factory=list)
    json_path: str | None = None


def run(cfg: BenchConfig) -> dict[str, Any]:
    """Run one benchmark against a fresh server and return its report."""
    raise_fd_limit(cfg.spectators + 1024)
    machine = machine_description()  # before --pin narrows this process's CPUs
    args = list(cfg.server_args)
    needed = max(cfg.order_rate + cfg.ping_rate, BASELINE_RATE) if cfg.orders else 0.0
    if needed > DEFAULT_RATE_LIMIT and "--rate-limit" not in args:
        args += ["--rate-limit", str(math.ceil(needed * 2))]
    server_cpus, client_cpus = split_cpus() if cfg.pin else (None, None)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)  # the host connection, and the workers it spawns
    server = ServerProcess(*args, cpus=server_cpus)
    try:
        report = asyncio.run(_bench(cfg, server))
    except BenchError as e:
        tail = "".join(server.lines[-20:])
        raise BenchError(f"{e}\n-- server log, last lines --\n{tail}") from None
    finally:
        server.stop()
    report["machine"] = machine
    report["server_args"] = args
    report["server_exit"] = server.proc.returncode
    return report


def split_cpus() -> tuple[set[int] | None, set[int] | None]:
    """The first CPU for the server, the rest for the clients; nothing to split on one CPU.

    With the clients on other cores the server's tick is not preempted by the very clients it
    is writing to; on a small machine that preemption otherwise shows in the tick times."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


async def _bench(cfg: BenchConfig, server: ServerProcess) -> dict[str, Any]:
    log(f"server {server.url} (pid {server.pid})")
    conn = await PlayerConnection.open(server.url, "bench-host")
    try:
        play = "soviet" if cfg.orders else None
        seat = await conn.host_match(cfg.scenario, cfg.speed, play)
        log(
            f"match {seat.match}"
            + (f", playing {play} with {len(seat.units)} units" if play else "")
        )
        baseline = [await conn.paced("ping", cfg.baseline, BASELINE_RATE, lambda _k: p.Ping())]
        if cfg.orders:
            baseline.append(await conn.paced("orders", cfg.baseline, BASELINE_RATE, conn.order))
        return await _with_spectators(cfg, server, conn, seat.match, baseline)
    finally:
        await conn.close()


async def _with_spectators(
    cfg: BenchConfig,
    server: ServerProcess,
    conn: PlayerConnection,
    match: str,
    baseline: list[RoundTrips],
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")  # a fresh interpreter: no inherited loop, sockets or threads
    start, stop = ctx.Event(), ctx.Event()
    results: Any = ctx.Queue()
    connected, failed = ctx.Value("i", 0), ctx.Value("i", 0)
    workers = max(1, min(cfg.workers, cfg.spectators))
    connect_budget = cfg.spectators / cfg.connect_rate + CONNECT_SLACK_S
    window_len = max(cfg.seconds, cfg.orders / cfg.order_rate if cfg.orders else 0.0)
    hard_deadline = time.monotonic() + connect_budget + cfg.settle + window_len + 120
    procs = []
    for i in range(workers):
        share = cfg.spectators // workers + (1 if i < cfg.spectators % workers else 0)
        plan = WorkerPlan(
            index=i,
            url=server.url,
            match=match,
            spectators=share,
            connect_rate=cfg.connect_rate / workers,
            hard_deadline=hard_deadline,
            parent_pid=os.getpid(),
            cpus=frozenset(os.sched_getaffinity(0)) if cfg.pin else None,
        )
        proc = ctx.Process(
            target=worker_main,
            args=(plan, start, stop, results, connected, failed),
            name=f"bench-spectators-{i}",
            daemon=True,
        )
        proc.start()
        procs.append(proc)
    reports: list[WorkerReport] = []
    try:
        await _wait_connected(cfg, connected, failed, procs, connect_budget)
        await asyncio.sleep(cfg.settle)
        log(f"measuring for {window_len:.0f}s")
        before = await _sample(server, match, procs)
        start.set()
        pings_n = max(1, int(window_len * cfg.ping_rate))
        jobs = [
            asyncio.sleep(cfg.seconds),
            conn.paced("ping", pings_n, cfg.ping_rate, lambda _k: p.Ping()),
        ]
        if cfg.orders:
            jobs.append(conn.paced("orders", cfg.orders, cfg.order_rate, conn.order))
        done = await asyncio.gather(*jobs)
        after = await _sample(server, match, procs)
        stop.set()
        reports = await _collect(results, len(procs))
    finally:
        stop.set()
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    errors = [e for r in reports for e in r.errors]
    if len(reports) < len(procs) or any("worker crashed" in e for e in errors):
        raise BenchError("a spectator worker failed: " + "; ".join(errors[:5]))
    return _report(cfg, match, workers, reports, before, after, baseline, done[1:])


async def _wait_connected(
    cfg: BenchConfig, connected: Any, failed: Any, procs: Sequence[Any], budget: float
) -> None:
    t0 = time.monotonic()
    shown = -1
    while connected.value + failed.value < cfg.spectators:
        if time.monotonic() - t0 > budget:
            log(f"connecting took over {budget:.0f}s; measuring those connected")
            return
        if not any(proc.is_alive() for proc in procs):
            raise BenchError("every spectator worker exited before connecting")
        if connected.value // 100 != shown:
            shown = connected.value // 100
            log(f"connected {connected.value}/{cfg.spectators} (failed {failed.value})")
        await asyncio.sleep(0.1)
    log(
        f"connected {connected.value}/{cfg.spectators} (failed {failed.value}) "
        f"in {time.monotonic() - t0:.1f}s"
    )


@dataclass(frozen=True, slots=True)
class Sample:
    """The server's tick statistics and everyone's CPU time at one instant."""

    at: float
    health: dict[str, Any]
    server_cpu: float
    clients_cpu: float
    bench_cpu: float
    busy: float
    total: float


async def _sample(server: ServerProcess, match: str, procs: Sequence[Any]) -> Sample:
    health = await asyncio.to_thread(server.health)
    stats = health["matches"].get(match)
    if stats is None:
        raise BenchError(f"match {match} is gone from /healthz")
    busy, total = machine_busy()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return Sample(
        at=time.monotonic(),
        health=stats,
        server_cpu=cpu_seconds(server.pid),
        clients_cpu=sum(cpu_seconds(proc.pid) for proc in procs),
        bench_cpu=usage.ru_utime + usage.ru_stime,
        busy=busy,
        total=total,
    )


async def _collect(results: Any, n: int) -> list[WorkerReport]:
    reports: list[WorkerReport] = []
    deadline = time.monotonic() + COLLECT_TIMEOUT_S
    while len(reports) < n and time.monotonic() < deadline:
        try:
            reports.append(await asyncio.to_thread(results.get, True, 1.0))
        except queue.Empty:
            continue
    return reports


# -- the report -----------------------------------------------------------------------------
def percentiles(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p90, p99 and max by nearest rank; empty input gives n = 0 only."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {
        "n": len(ordered),
        "p50": round(rank(0.50), 2),
        "p90": round(rank(0.90), 2),
        "p99": round(rank(0.99), 2),
        "max": round(ordered[-1], 2),
    }


def _report(
    cfg: BenchConfig,
    match: str,
    workers: int,
    reports: list[WorkerReport],
    before: Sample,
    after: Sample,
    baseline: list[RoundTrips],
    loaded: list[RoundTrips],
) -> dict[str, Any]:
    b, a = before.health, after.health
    wall = after.at - before.at
    ticks = a["ticks"] - b["ticks"]
    rows = [row for r in reports for row in r.rows]
    received = [row[0] for row in rows]
    bytes_sent = sum(a["bytes_sent"].values()) - sum(b["bytes_sent"].values())
    tick_total_ms = a["tick_mean_ms"] * a["ticks"] - b["tick_mean_ms"] * b["ticks"]
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for r in reports:
        for tick, (t_first, t_last) in r.arrivals.items():
            first[tick] = min(first.get(tick, t_first), t_first)
            last[tick] = max(last.get(tick, t_last), t_last)
    order = sorted(first)
    spread = [1000 * (last[t] - first[t]) for t in order]
    interval = [1000 * (first[t] - first[s]) for s, t in itertools.pairwise(order)]
    clients_cpu = after.clients_cpu - before.clients_cpu
    server_cpu = after.server_cpu - before.server_cpu
    bench_cpu = after.bench_cpu - before.bench_cpu
    busy_s = (after.busy - before.busy) / os.sysconf("SC_CLK_TCK")
    return {
        "config": {k: v for k, v in asdict(cfg).items() if k != "json_path"},
        "match": match,
        "spectators": {
            "requested": cfg.spectators,
            "workers": workers,
            "connected": sum(r.connected for r in reports),
            "failed": sum(r.failed for r in reports),
            "dropped": sum(r.dropped for r in reports),
            "in_window": len(rows),
            "errors": [e for r in reports for e in r.errors][:10],
        },
        "window_s": round(wall, 2),
        "deltas": {
            "server_ticks": ticks,
            "sent": len(first),  # deltas at least one spectator got in the window
            "received_min": min(received, default=0),
            "received_median": statistics.median(received) if received else 0,
            "received_max": max(received, default=0),
            "missed_total": sum(row[2] for row in rows),
            "continuity_breaks": sum(row[3] for row in rows),
            "catch_up_snapshots": sum(row[1] for row in rows),
            "spectators_missing_any": sum(1 for row in rows if row[2] or row[3]),
            "missed_while_connecting": sum(r.missed_before_window for r in reports),
        },
        "server": {
            "ticks": [b["ticks"], a["ticks"]],
            "tick_overruns": [b["tick_overruns"], a["tick_overruns"]],
            "tick_mean_ms": [b["tick_mean_ms"], a["tick_mean_ms"]],
            "tick_max_ms": [b["tick_max_ms"], a["tick_max_ms"]],
            "lag_skips": [b["lag_skips"], a["lag_skips"]],
            "window_overrun_pct": round(
                100 * (a["tick_overruns"] - b["tick_overruns"]) / max(1, ticks), 2
            ),
            "window_tick_mean_ms": round(tick_total_ms / max(1, ticks), 2),
            "window_lag_skips": a["lag_skips"] - b["lag_skips"],
            "frames_per_s": round((a["frames_sent"] - b["frames_sent"]) / wall, 1),
            "bytes_per_s": round(bytes_sent / wall),
            "cpu_pct_of_core": round(100 * server_cpu / wall, 1),
            # CPU, unlike tick wall time, hardly depends on who else wants the cores.
            "cpu_ms_per_tick": round(1000 * server_cpu / max(1, ticks), 2),
            "cpu_us_per_frame": round(
                1e6 * server_cpu / max(1, a["frames_sent"] - b["frames_sent"]), 2
            ),
        },
        "clients": {
            "bytes_per_s": round(sum(row[4] for row in rows) / wall),
            "workers_cpu_pct_of_core": round(100 * clients_cpu / wall, 1),
            "bench_cpu_pct_of_core": round(100 * bench_cpu / wall, 1),
            # Whatever else ran on the machine meanwhile: the numbers are only as clean as this.
            "others_cpu_pct_of_core": round(
                100 * max(0.0, busy_s - server_cpu - clients_cpu - bench_cpu) / wall, 1
            ),
            "machine_busy_pct": round(
                100 * (after.busy - before.busy) / max(1.0, after.total - before.total), 1
            ),
        },
        "fanout_ms": {
            "spread_first_to_last_spectator": percentiles(spread),
            "interval_between_ticks": percentiles(interval),
        },
        "round_trips_ms": {
            **{f"{t.kind}_idle": _trips(t) for t in baseline},
            **{f"{t.kind}_loaded": _trips(t) for t in loaded},
        },
    }


def _trips(trips: RoundTrips) -> dict[str, Any]:
    out: dict[str, Any] = percentiles(trips.rtt_ms)
    if trips.to_server_ms:
        out["to_server"] = percentiles(trips.to_server_ms)
    out["sent"] = trips.sent
    out["lost"] = trips.lost
    if trips.refused:
        out["refused"] = trips.refused
    return out


def render(report: dict[str, Any]) -> str:
    """The report as the few lines a person reads; the JSON has everything."""
    s, d, srv, cl = report["spectators"], report["deltas"], report["server"], report["clients"]
    fan = report["fanout_ms"]
    pinned = " (server pinned to its own CPU)" if report["config"]["pin"] else ""
    lines = [
        f"machine: {report['machine']}{pinned}",
        f"spectators: {s['connected']}/{s['requested']} connected over {s['workers']} client "
        f"processes, {s['in_window']} in window, {s['failed']} failed, {s['dropped']} dropped",
        f"window: {report['window_s']} s, {d['server_ticks']} server ticks, {d['sent']} deltas",
        f"deltas per spectator: min {d['received_min']}, median {d['received_median']}, "
        f"max {d['received_max']} (expected ~{d['sent']})",
        f"gaps: {d['missed_total']} missed deltas, {d['continuity_breaks']} continuity breaks, "
        f"{d['catch_up_snapshots']} catch-up snapshots, {d['spectators_missing_any']} spectators "
        f"affected ({d['missed_while_connecting']} missed while connecting)",
        f"server ticks: overruns {srv['window_overrun_pct']}% in window "
        f"({srv['tick_overruns'][0]} -> {srv['tick_overruns'][1]} of "
        f"{srv['ticks'][0]} -> {srv['ticks'][1]}), mean {srv['window_tick_mean_ms']} ms in window "
        f"(cumulative {srv['tick_mean_ms'][0]} -> {srv['tick_mean_ms'][1]}), "
        f"max {srv['tick_max_ms'][0]} -> {srv['tick_max_ms'][1]} ms, "
        f"lag skips {srv['lag_skips'][0]} -> {srv['lag_skips'][1]}",
        f"pushed: {srv['frames_per_s']} frames/s, {srv['bytes_per_s'] / 1e6:.2f} MB/s "
        f"(clients read {cl['bytes_per_s'] / 1e6:.2f} MB/s)",
        f"cpu: server {srv['cpu_pct_of_core']}% of a core ({srv['cpu_ms_per_tick']} ms per tick, "
        f"{srv['cpu_us_per_frame']} us per frame sent), spectator processes "
        f"{cl['workers_cpu_pct_of_core']}%, bench host {cl['bench_cpu_pct_of_core']}%, "
        f"other processes {cl['others_cpu_pct_of_core']}%; machine {cl['machine_busy_pct']}% busy",
        f"fan-out spread (first to last spectator, per tick) ms: "
        f"{_fmt(fan['spread_first_to_last_spectator'])}",
        f"interval between ticks at the first spectator ms: {_fmt(fan['interval_between_ticks'])}",
    ]
    for kind, trips in report["round_trips_ms"].items():
        extra = f", refused {trips['refused']}" if trips.get("refused") else ""
        lines.append(f"{kind} rtt ms: {_fmt(trips)}, lost {trips['lost']}{extra}")
        if "to_server" in trips:
            lines.append(f"  of which send -> server handled it: {_fmt(trips['to_server'])}")
    return "\n".join(lines)


def _fmt(pct: dict[str, Any]) -> str:
    if not pct.get("n"):
        return "n=0"
    return f"n={pct['n']} p50 {pct['p50']} p90 {pct['p90']} p99 {pct['p99']} max {pct['max']}"


def log(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


# -- command line ---------------------------------------------------------------------------
def parser(defaults: BenchConfig, prog: str, description: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--spectators", type=int, default=defaults.spectators)
    ap.add_argument("--seconds", type=float, default=defaults.seconds, help="measured window")
    ap.add_argument("--workers", type=int, default=defaults.workers, help="client processes")
    ap.add_argument(
        "--connect-rate", type=float, default=defaults.connect_rate, help="connections/s"
    )
    ap.add_argument("--settle", type=float, default=defaults.settle, help="s before measuring")
    ap.add_argument("--scenario", default=defaults.scenario)
    ap.add_argument("--speed", type=float, default=defaults.speed, help="game hours per second")
    ap.add_argument("--orders", type=int, default=defaults.orders, help="orders to time (0: none)")
    ap.add_argument("--order-rate", type=float, default=defaults.order_rate, help="orders/s")
    ap.add_argument("--ping-rate", type=float, default=defaults.ping_rate, help="pings/s")
    ap.add_argument("--baseline", type=int, default=defaults.baseline, help="idle round trips")
    ap.add_argument(
        "--pin",
        action="store_true",
        default=defaults.pin,
        help="pin the server to one CPU and the clients to the others",
    )
    ap.add_argument(
        "--server-arg",
        action="append",
        default=[],
        dest="server_args",
        help="pass to khasan-server, e.g. --server-arg=--tick-rate=20 (repeatable)",
    )
    ap.add_argument("--json", dest="json_path", help="also write the full report here")
    return ap


def main(
    argv: list[str] | None = None,
    defaults: BenchConfig | None = None,
    prog: str = "python -m bench.fanout",
) -> int:
    defaults = defaults or BenchConfig()
    a = parser(defaults, prog, (__doc__ or "").split("\n\n")[0]).parse_args(argv)
    cfg = BenchConfig(**vars(a))
    if cfg.spectators < 1 or cfg.workers < 1 or cfg.connect_rate <= 0 or cfg.ping_rate <= 0:
        print("spectators, workers, connect and ping rates must be positive", file=sys.stderr)
        return 2
    if cfg.orders and cfg.order_rate <= 0:
        print("--order-rate must be positive", file=sys.stderr)
        return 2
    # SIGTERM (``timeout``, CI) unwinds like Ctrl-C, so the server and workers are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        report = run(cfg)
    except (BenchError, RuntimeError, OSError) as e:
        print(f"benchmark failed: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchmark interrupted; server and clients stopped", file=sys.stderr)
        return 130
    print(render(report))
    if cfg.json_path:
        with open(cfg.json_path, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
