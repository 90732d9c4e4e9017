"""Client frame rate: the pyglet window drawing a running match, as a spectator of the whole map.

    python -m bench.fps the-war --seconds 10
    python -m bench.fps lake-khasan --json fps.json

A ``khasan-server`` is started on a free port and hosts a match with the AI on both sides; the
real client window (``client.app.ClientApp``) watches it as a spectator of the whole map, so
every unit is drawn. The bench then runs the window's frame loop itself (network pump, update,
draw, swap) as fast as it goes, vsync off, for ``--seconds`` at each zoom: as framed on joining,
close (a hex about 64 px wide over the densest units) and fully zoomed out. Without a
``DISPLAY`` it starts its own Xvfb, where drawing is Mesa's software GL on the CPU: numbers
there measure the CPU cost of a frame, not a graphics card.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

from bench import xvfb
from bench.server_process import ServerProcess, cpu_seconds, machine_busy, machine_description

WARMUP_S = 1.0
CLOSE_HEX_PX = 64.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def start_xvfb() -> subprocess.Popen[bytes] | None:
    """A private Xvfb when there is no display."""
    if os.environ.get("DISPLAY"):
        return None
    try:
        proc, display = xvfb.start_xvfb("1920x1080x24")
    except xvfb.NoDisplay as e:
        raise SystemExit(str(e)) from None
    os.environ["DISPLAY"] = display
    return proc


class Host(threading.Thread):
    """Creates and starts an AI-against-AI match and keeps the host's connection open."""

    def __init__(self, url: str, scenario: str, speed: float) -> None:
        super().__init__(daemon=True)
        self.url, self.scenario, self.speed = url, scenario, speed
        self.match: str | None = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self._done = threading.Event()

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:  # reported by the main thread
            self.error = e
            self.ready.set()

    async def _main(self) -> None:
        from bench.player import PlayerConnection

        conn = await PlayerConnection.open(self.url, "fps-host")
        try:
            seat = await conn.host_match(self.scenario, self.speed, None)
            self.match = seat.match
            self.ready.set()
            while not self._done.is_set():
                await asyncio.sleep(0.2)
        finally:
            await conn.close()

    def stop(self) -> None:
        self._done.set()


def measure(app: Any, seconds: float, server_pid: int | None = None) -> dict[str, Any]:
    """Run the app's frame loop flat out for ``seconds``; frame times in ms, and where the
    machine's CPU went meanwhile (the client, the server, everything else)."""
    from pyglet.gl import glFinish

    busy0, total0 = machine_busy()
    cpu0 = time.process_time()
    server0 = cpu_seconds(server_pid) if server_pid else 0.0
    frames: list[float] = []
    updates: list[float] = []
    began = last = time.perf_counter()
    end = began + seconds
    while last < end:
        app.window.dispatch_events()
        t0 = time.perf_counter()
        app.update(max(t0 - last, 1e-4))
        t1 = time.perf_counter()
        app.on_draw()
        app.window.flip()
        glFinish()
        now = time.perf_counter()
        updates.append((t1 - t0) * 1000)
        frames.append((now - last) * 1000)
        last = now
    elapsed = last - began
    busy1, total1 = machine_busy()
    cores = len(os.sched_getaffinity(0))
    client_cores = (time.process_time() - cpu0) / elapsed
    server_cores = (cpu_seconds(server_pid) - server0) / elapsed if server_pid else 0.0
    busy_cores = (busy1 - busy0) / max(total1 - total0, 1.0) * cores
    frames.sort()
    return {
        "client_cpu_ms_per_frame": round(client_cores * elapsed / len(frames) * 1000, 1),
        "client_cpu_cores": round(client_cores, 2),
        "server_cpu_cores": round(server_cores, 2),
        "other_cpu_cores": round(max(0.0, busy_cores - client_cores - server_cores), 2),
        "fps": round(len(frames) / elapsed, 1),
        "frames": len(frames),
        "frame_ms_mean": round(statistics.fmean(frames), 2),
        "frame_ms_p50": round(frames[len(frames) // 2], 2),
        "frame_ms_p95": round(frames[min(len(frames) - 1, int(len(frames) * 0.95))], 2),
        "frame_ms_max": round(frames[-1], 2),
        "update_ms_mean": round(statistics.fmean(updates), 2),
    }


def spin(app: Any, until: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out; session notes: {app.session.notes[-5:]}")
        app.window.dispatch_events()
        app.update(1 / 60)
        app.on_draw()
        app.window.flip()


def densest(app: Any) -> tuple[float, float]:
    """The world point with the most units within three hexes: where a player would look."""
    from shared.hexgrid import distance

    ground = app.mirror.ground
    spots = [(u.pos[0], u.pos[1]) for u in app.mirror.units.values()]
    best = max(spots, key=lambda h: sum(distance(h, o) <= 3 for o in spots))
    return ground.centre(best)


def run(args: argparse.Namespace) -> dict[str, Any]:
    xvfb = start_xvfb()
    server = ServerProcess()
    host = Host(server.url, args.scenario, args.speed)
    app = None
    try:
        log(f"server {server.url}; hosting {args.scenario} (AI against AI, {args.speed:g} h/s)")
        host.start()
        if not host.ready.wait(120) or host.match is None:
            raise SystemExit(f"the match did not start: {host.error}")
        import pyglet

        from client import palette
        from client.app import AppOptions, ClientApp
        from client.camera import MIN_SCALE
        from client.session import Plan

        app = ClientApp(
            AppOptions(
                server=server.url,
                name="fps",
                width=args.width,
                height=args.height,
                plan=Plan(watch=host.match),
            )
        )
        pyglet.gl.glClearColor(*palette.BACKGROUND)
        app.net.start()
        started = time.perf_counter()
        spin(app, lambda: app.in_match and app.mirror.units and app._framed, timeout=120)
        joined_s = time.perf_counter() - started
        ground = app.mirror.ground
        cam = app.camera
        info = pyglet.gl.gl_info
        report: dict[str, Any] = {
            "scenario": args.scenario,
            "window": [args.width, args.height],
            "units": len(app.mirror.units),
            "hexes": len(ground),
            "hex_km": ground.hex_km,
            "speed": args.speed,
            "seconds_per_zoom": args.seconds,
            "join_to_first_frame_s": round(joined_s, 2),
            "gl_renderer": info.get_renderer(),
            "gl_version": info.get_version_string(),
            "display": os.environ.get("DISPLAY"),
            "xvfb": xvfb is not None,
            "machine": machine_description(),
            "load_average": list(os.getloadavg()),
            "zooms": {},
        }
        framed = (cam.cx, cam.cy, cam.scale)
        x, y = densest(app)
        scenes = {
            "as framed on joining": framed,
            "close (hex 64 px)": (x, y, CLOSE_HEX_PX / ground.hex_km),
            "fully zoomed out": (x, y, MIN_SCALE),
        }
        for name, (cx, cy, scale) in scenes.items():
            cam.scale = scale
            cam.centre_on(cx, cy)
            measure(app, WARMUP_S)
            result = measure(app, args.seconds, server.pid)
            result["px_per_km"] = round(cam.scale, 2)
            result["hex_px"] = round(cam.scale * ground.hex_km, 1)
            result["units_drawn"] = app.renderer.unit_count
            report["zooms"][name] = result
            log(
                f"{name:<22} {result['fps']:>7.1f} fps  mean {result['frame_ms_mean']:.1f} ms"
                f"  p95 {result['frame_ms_p95']:.1f} ms  (update {result['update_ms_mean']:.1f}"
                f" ms; hex {result['hex_px']:g} px; client CPU {result['client_cpu_ms_per_frame']}"
                f" ms/frame; CPU cores: client {result['client_cpu_cores']},"
                f" server {result['server_cpu_cores']}, others {result['other_cpu_cores']})"
            )
        report["load_average_after"] = list(os.getloadavg())
        return report
    finally:
        try:
            if app is not None:
                app.net.close()
                app.window.close()
            host.stop()
            host.join(5)
        finally:  # whatever failed above, leave no server or X server behind
            server.stop()
            if xvfb is not None:
                xvfb.terminate()
                xvfb.wait(5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fps", description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="the-war")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured at each zoom")
    ap.add_argument("--speed", type=float, default=4.0, help="game hours per second")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--json", dest="json_path", help="also write the full report here")
    args = ap.parse_args(argv)
    report = run(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json_path:
        with open(args.json_path, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
