"""The start screen's logic: what the player typed, where that connects, and why it did not.

Plain Python: the window places the two text entries where ``StartForm.layout`` says and calls
``submit`` on Connect or Enter; a failed attempt comes back through ``failed`` as a headline and
a hint, and the form stays editable for the next try.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from client.ui import GAP, Column, Entries, Item
from shared.protocol import MAX_NAME

DEFAULT_PORT = 8765
FIELDS = ("server", "name")


class AddressError(ValueError):
    """The server address cannot be a websocket URL."""


def normalise_address(text: str) -> str:
    """What a player types -> a websocket URL: 'host', 'host:port', 'ws://host:port' all work.

    >>> normalise_address("game.example.org")
    'ws://game.example.org:8765/ws'
    """
    text = text.strip()
    if not text:
        raise AddressError("type the server's address, e.g. 127.0.0.1:8765")
    if "://" not in text:
        text = "ws://" + text
    parts = urlsplit(text)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise AddressError(f"{parts.scheme}:// is not a websocket address (use ws://)")
    try:
        port = parts.port
    except ValueError:
        raise AddressError(f"{text!r} has a bad port number") from None
    host = parts.hostname
    if not host or " " in host:
        raise AddressError(f"{text!r} has no host name")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    port = port or (DEFAULT_PORT if scheme == "ws" else 443)
    path = parts.path if parts.path not in ("", "/") else "/ws"
    return f"{scheme}://{host}:{port}{path}"


@dataclass(frozen=True, slots=True)
class Failure:
    """Why connecting failed, in words for the start screen."""

    headline: str
    detail: str
    hint: str


def explain(reason: str) -> Failure:
    """Sort a session's failure message (client.net, client.session) into what to do about it."""
    low = reason.lower()
    if "protocol" in low:
        return Failure(
            "Protocol version mismatch",
            reason,
            "This client and the server are different versions: update one of them.",
        )
    if "answered http" in low or "handshake" in low:
        return Failure(
            "Not a Khasan server",
            reason,
            "Something answers there, but not a Khasan server: check the address and path.",
        )
    if "not a websocket url" in low:
        return Failure("Bad address", reason, "Type host:port, e.g. 127.0.0.1:8765.")
    if "cannot reach" in low or "no answer" in low or "cannot connect" in low:
        return Failure(
            "Server unreachable",
            reason,
            "Check the address and that the server is running, then connect again.",
        )
    return Failure("Disconnected", reason, "Connect again, or check the server's log.")


@dataclass
class StartForm:
    """Server address and player name as typed, and the state of the last attempt."""

    entries: Entries = field(default_factory=Entries)
    state: str = "edit"  # "edit", "connecting", "failed"
    failure: Failure | None = None
    url: str | None = None  # the address being tried

    @classmethod
    def prefilled(cls, server: str, name: str) -> StartForm:
        form = cls(Entries({"server": server, "name": name}, focus="server"))
        return form

    def submit(self) -> tuple[str, str] | None:
        """Validate the fields; (url, name) to connect to, or None with ``failure`` set."""
        server, name = self.entries.get("server").strip(), self.entries.get("name").strip()
        try:
            url = normalise_address(server)
        except AddressError as e:
            self.state, self.failure = "failed", Failure("Bad address", str(e), "")
            self.entries.focus = "server"
            return None
        if not 1 <= len(name) <= MAX_NAME:
            self.state = "failed"
            self.failure = Failure("Bad name", f"a name has 1 to {MAX_NAME} characters", "")
            self.entries.focus = "name"
            return None
        self.state, self.failure, self.url = "connecting", None, url
        self.entries.focus = None
        return url, name

    def failed(self, reason: str) -> None:
        """The attempt failed: say why, and give the keyboard back to the address."""
        self.state, self.failure = "failed", explain(reason)
        self.entries.focus = "server"

    def layout(self, width: float, height: float) -> list[Item]:
        w = min(560.0, width - 40)
        col = Column((width - w) / 2, height * 0.72, w)
        col.line("KHASAN 1938", "title", h=40)
        col.line("The Soviet-Japanese War, July 1938 - December 1939", "dim")
        col.skip(24)
        col.entry("Server", "server")
        col.skip(GAP)
        col.entry("Your name", "name")
        col.skip(GAP * 2)
        busy = self.state == "connecting"
        col.buttons([("Connecting..." if busy else "Connect", None if busy else "connect")], 160)
        col.skip(GAP)
        if busy:
            col.line(f"Connecting to {self.url}...", "dim")
        elif self.failure is not None:
            col.line(self.failure.headline, "error", h=24)
            for line in _wrap(self.failure.detail, int(w / 8)):
                col.line(line, "text")
            if self.failure.hint:
                col.line(self.failure.hint, "dim")
        col.skip(24)
        col.line("Enter connects, Tab switches field, Ctrl+Q quits.", "dim")
        return col.items


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines
