"""Every message of the Khasan wire protocol, declared once.

Each websocket message is one binary frame holding one msgpack map; its key ``t`` names the type.
A request may carry an integer ``id``; the one reply to it carries ``re`` with that id. Decoding
validates types and limits, so anything that comes out of ``decode_client`` is well formed.

``python -m shared.protocol`` writes docs/protocol.md from these declarations.
"""

from __future__ import annotations

import sys
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from shared.orders import ORDER_ERRORS, Mission, OrderRequest, OrderResult

PROTOCOL_VERSION = 1

# Named limits, enforced by the decoder or the server; the reasons are in docs/protocol.md.
MAX_MESSAGE_BYTES = 64 * 1024  # a client never needs more: the largest request is 64 orders
MAX_ORDERS_PER_MESSAGE = 64
MAX_NAME = 32
MAX_CHAT = 500

Meta = msgspec.Meta
Name = Annotated[str, Meta(min_length=1, max_length=MAX_NAME, description="display name")]
Ident = Annotated[str, Meta(min_length=1, max_length=64)]
ReqId = Annotated[int, Meta(ge=0, le=2**53)]
Side = Literal["soviet", "japan"]
Seat = Literal["soviet", "japan", "spectator"]
AiLevel = Literal["easy", "normal", "hard"]
Speed = Annotated[float, Meta(ge=0.1, le=200.0, description="game hours per real second")]
Perspective = Literal["all", "soviet", "japan"]  # what a spectator looks at
Password = Annotated[str, Meta(max_length=64)]
MAX_SPECTATOR_DELAY = 72  # game hours


class Message(msgspec.Struct, tag_field="t", kw_only=True, omit_defaults=True):
    """Base of every message."""


class Request(Message, kw_only=True):
    id: ReqId | None = None


class Reply(Message, kw_only=True):
    re: int | None = None


# ------------------------------------------------------------------------ client -> server
class Hello(Request, tag="hello"):
    """First message on a connection. ``token`` resumes an earlier identity."""

    protocol: int
    name: Name
    token: Annotated[str, Meta(max_length=128)] | None = None


class Ping(Request, tag="ping"):
    """Application-level round trip (answered by ``pong``)."""


class LobbyList(Request, tag="lobby.list"):
    """List open lobbies (answered by ``lobbies``)."""


class LobbyCreate(Request, tag="lobby.create"):
    """Create a lobby and take its host seat as spectator until you join a side.

    ``ai`` maps a side (every seat of it) or a seat id to the AI level that plays it. ``speed``
    is game hours per real second. A ``password`` is asked of everyone who joins or watches;
    ``spectators`` false lets nobody watch; spectators see the match ``spectator_delay`` game
    hours late, so that they cannot pass on what a side should not know."""

    name: Name
    scenario: Ident
    ai: Annotated[dict[Ident, AiLevel], Meta(max_length=16)] = {}
    speed: Speed = 1.0
    seed: Annotated[int, Meta(ge=0, le=2**31)] | None = None
    password: Password | None = None
    spectators: bool = True
    spectator_delay: Annotated[int, Meta(ge=0, le=MAX_SPECTATOR_DELAY)] = 0


class LobbyJoin(Request, tag="lobby.join"):
    """Join a lobby on a side or as a spectator (answered by ``lobby.state``).

    ``seat`` picks one seat (a command) of the side; without it the first free one is taken."""

    lobby: Ident
    side: Seat
    seat: Ident | None = None
    password: Password | None = None


class LobbyLeave(Request, tag="lobby.leave"):
    """Leave the lobby you are in."""


class LobbyReady(Request, tag="lobby.ready"):
    """Mark yourself ready (or not) in your lobby."""

    ready: bool = True


class LobbySeat(Request, tag="lobby.seat"):
    """Host only, before the start: give an empty seat to the AI at ``ai`` level, or open an
    AI's seat to players again (``ai`` absent)."""

    seat: Ident
    ai: AiLevel | None = None


class LobbyStart(Request, tag="lobby.start"):
    """Host only: start the match once every human seat is ready."""


class MatchList(Request, tag="match.list"):
    """List running matches (answered by ``matches``)."""


class MatchJoin(Request, tag="match.join"):
    """Take your seat in a match with the ticket from ``match.start``."""

    match: Ident
    ticket: Ident


class MatchWatch(Request, tag="match.watch"):
    """Watch a match as a spectator; ``match`` may be ``first`` for the oldest running one.

    ``view`` is the whole map (``all``) or one side's fog of war."""

    match: Ident
    view: Perspective = "all"
    password: Password | None = None


class MatchView(Request, tag="match.view"):
    """Spectators only: look at the whole map or at one side's view (answered by ``ok``, then
    a new ``joined`` and ``snapshot``)."""

    view: Perspective


class MatchLeave(Request, tag="match.leave"):
    """Stop playing or watching."""


class MatchControl(Request, tag="match.control"):
    """Players only: pause or resume, or change the game speed."""

    paused: bool | None = None
    speed: Speed | None = None


class Resync(Request, tag="resync"):
    """Ask for a fresh full ``snapshot`` of your view."""


class Orders(Request, tag="orders"):
    """Orders for your side's units (answered by ``orders.result``, one verdict per order)."""

    orders: Annotated[list[OrderRequest], Meta(min_length=1, max_length=MAX_ORDERS_PER_MESSAGE)]


class Chat(Request, tag="chat"):
    """Say something to everyone in your lobby or match."""

    text: Annotated[str, Meta(min_length=1, max_length=MAX_CHAT)]


ClientMessage = Union[  # noqa: UP007 - msgspec needs the Union for tagged decoding
    Hello,
    Ping,
    LobbyList,
    LobbyCreate,
    LobbyJoin,
    LobbyLeave,
    LobbyReady,
    LobbySeat,
    LobbyStart,
    MatchList,
    MatchJoin,
    MatchWatch,
    MatchView,
    MatchLeave,
    MatchControl,
    Resync,
    Orders,
    Chat,
]


# ------------------------------------------------------------------------ server -> client
class Welcome(Reply, tag="welcome"):
    """Answer to ``hello``: your player id and the token to resume it."""

    protocol: int
    player: str
    token: str
    server: str = "khasan"


class Error(Reply, tag="error"):
    """A request failed or a message was refused; ``code`` is one of ERROR_CODES.

    ``url`` is set with ``match_elsewhere``: the server to connect to for that match."""

    code: str
    message: str
    url: str | None = None


class Ok(Reply, tag="ok"):
    """A request succeeded and has nothing else to say."""


class Pong(Reply, tag="pong"):
    """Answer to ``ping``; ``time`` is the server's monotonic clock in seconds."""

    time: float


class SeatInfo(msgspec.Struct, omit_defaults=True):
    """One seat: a command of one side (a group of formations). A scenario with one command per
    side has seats ``soviet`` and ``japan``; teammates on a side share its view and supply."""

    side: Seat
    player: str | None = None  # player id, or None for an AI or empty seat
    name: str | None = None
    ai: str | None = None
    ready: bool = False
    seat: str = ""  # the seat id (the command's); empty means the same as ``side``
    title: str = ""  # the command's name, e.g. "Mongolian Force"


class LobbyInfo(msgspec.Struct, omit_defaults=True):
    id: str
    name: str
    scenario: str
    title: str
    host: str
    state: Literal["open", "started", "closed"]
    seats: list[SeatInfo]
    spectators: int = 0
    speed: float = 1.0
    match: str | None = None
    password: bool = False  # joining and watching need the password
    spectators_allowed: bool = True
    spectator_delay: int = 0  # game hours


class Lobbies(Reply, tag="lobbies"):
    lobbies: list[LobbyInfo]
    scenarios: list[str] = []


class LobbyState(Reply, tag="lobby.state"):
    """The lobby you are in; pushed on every change."""

    lobby: LobbyInfo


class MatchStart(Reply, tag="match.start"):
    """Pushed to each lobby member when the match starts: connect with ``match.join``."""

    match: str
    url: str
    ticket: str
    side: Seat
    seat: str | None = None


class MatchInfo(msgspec.Struct, omit_defaults=True):
    id: str
    scenario: str
    title: str
    time: str
    hour: int
    players: dict[str, list[str]]
    spectators: int
    finished: bool = False
    url: str | None = None  # the server running it: connect there to join or watch
    spectator_delay: int = 0  # game hours spectators lag behind
    password: bool = False  # watching needs the password
    spectators_allowed: bool = True


class Matches(Reply, tag="matches"):
    matches: list[MatchInfo]


class Joined(Reply, tag="joined"):
    """Answer to ``match.join`` / ``match.watch``: ``map`` and ``snapshot`` follow.

    ``view`` is your role: a side, or ``spectator``. A player may order the own units whose
    ``command`` is ``seat`` (teammates' units are shown but not theirs to order). A spectator
    watching one side's ``perspective`` gets that side's very frames (their ``view`` names the
    side): the role is the one given here."""

    match: str
    view: Seat
    seat: str | None = None
    perspective: Perspective | None = None
    delay: int = 0  # game hours this spectator's frames lag behind the match


class PlaceInfo(msgspec.Struct, omit_defaults=True):
    name: str
    kind: str
    pos: tuple[int, int]
    alt_name: str = ""
    victory: int = 0  # victory points for holding it
    port: int = 0
    industry: int = 0


class MapData(Message, tag="map"):
    """The ground, sent once on joining a match.

    ``terrain`` holds one byte per hex (codes in ``terrain_names``) row by row over the
    ``cols`` x ``rows`` rectangle in odd-r offset layout;
    axial ``q = col - (row - (row & 1)) // 2``,
    ``r = row``. ``rivers`` and ``roads`` list hex edges as ``[q1, r1, q2, r2]``. Plane km of a hex
    centre: ``x = hex_km * (q + r / 2)``, ``y = hex_km * sqrt(3) / 2 * r`` (y grows southward);
    ``north``, ``west`` and ``ref_lat`` give the projection back to lat/lon."""

    scenario: str
    title: str
    hex_km: float
    cols: int
    rows: int
    north: float
    west: float
    ref_lat: float
    terrain: bytes
    terrain_names: list[str]
    rivers: list[tuple[int, int, int, int]]
    roads: list[tuple[int, int, int, int]]
    places: list[PlaceInfo]
    borders: list[list[tuple[float, float]]]
    rails: list[tuple[int, int, int, int, int, str]] = []  # [q1, r1, q2, r2, trains/day, gauge]
    countries: list[tuple[str, str]] = []  # (name, side) of each country code, 1-based
    country: bytes = b""  # per hex like ``terrain``: 0 none, else 1 + index into ``countries``
    climates: list[str] = []  # the weather regions of ``weather`` reports, 1-based
    climate: bytes = b""  # per hex: 0 none, else 1 + index into ``climates``
    forts: list[tuple[int, int, int]] = []  # permanent fortifications: [q, r, level 1-3]
    postures: dict[str, str] = {}  # side -> its AI's posture ("defensive"), where one is set


class UnitView(msgspec.Struct, omit_defaults=True):
    """A unit as a view shows it. ``order``, ``to``, ``path`` and ``mission`` only for your own
    units. An air unit (kind ``air``) flying a mission has ``order`` ``air``, its target in
    ``to`` and the ``mission``; enemy aircraft are shown on their airfield, within your sight."""

    id: str
    side: Side
    kind: str
    name: str
    pos: tuple[int, int]
    strength: float  # fraction of establishment, 0..1
    org: float  # organisation, 0..1
    men: int
    order: str | None = None
    to: tuple[int, int] | None = None
    path: list[tuple[int, int]] | None = None
    combat: bool = False
    food: float | None = None  # days of food carried (own units, theatre scenarios)
    ammo: float | None = None  # days of ammunition
    fuel: float | None = None  # days of fuel
    supply: float | None = None  # 0..1: how well its hex is supplied today
    cut_off: bool = False  # no railhead can reach it: it will starve, then surrender
    stale: bool = False  # an enemy last seen here at ``seen_hour``, out of sight since
    seen_hour: int | None = None
    entrenched: float = 0.0  # 0..1: how far it has dug in (own units)
    mission: Mission | None = None  # air units flying a mission (own units)
    command: str | None = None  # own units: the seat (command) that orders it
    via: list[tuple[int, int]] | None = None  # own units: waypoints still ahead of ``to``


class ObjectiveView(msgspec.Struct, omit_defaults=True):
    name: str
    pos: tuple[int, int]
    owner: Side | None = None
    value: int = 1


class EventView(msgspec.Struct, omit_defaults=True):
    hour: int
    kind: str
    pos: tuple[int, int]
    text: str
    side: Side | None = None
    unit: str | None = None


class Snapshot(Reply, tag="snapshot"):
    """Your whole view: pushed on joining and on ``resync``.

    ``visible`` is a bitmask over the map's hexes (bit i of byte i // 8, LSB first, same order as
    ``terrain``) of what your side sees; spectators of the whole map get no mask."""

    match: str
    view: Seat
    tick: int
    hour: int
    time: str
    speed: float
    paused: bool
    units: list[UnitView]
    objectives: list[ObjectiveView]
    visible: bytes | None = None
    finished: bool = False
    winner: Side | None = None
    result: str | None = None
    paused_by: str | None = None
    ceasefire: bool = False  # a scenario's ceasefire holds: no attacks until it ends


class Delta(Message, tag="delta"):
    """Changes since the previous ``delta`` or ``snapshot`` of your view (``tick`` - 1 or older).

    ``units`` holds units that appeared or changed (whole), ``removed`` the ids that left your
    view (destroyed, or out of sight). Apply in tick order; on a gap, send ``resync``."""

    match: str
    tick: int
    base: int  # the tick this delta applies to
    hour: int
    time: str
    speed: float
    paused: bool
    units: list[UnitView] = []
    removed: list[str] = []
    objectives: list[ObjectiveView] | None = None
    visible: bytes | None = None
    events: list[EventView] = []
    finished: bool = False
    winner: Side | None = None
    result: str | None = None
    paused_by: str | None = None
    ceasefire: bool = False


class OrdersResult(Reply, tag="orders.result"):
    results: list[OrderResult]


class ChatLine(Message, tag="chat"):
    """A chat line from ``player`` (``name``) in your lobby or match."""

    player: str
    name: str
    text: str
    side: Seat | None = None


class SupplyMap(Message, tag="supply"):
    """One side's supply network, sent daily in theatre scenarios (spectators get both sides).

    ``level`` holds one byte per hex (same order as the map's ``terrain``): 0 unsupplied to 255
    fully supplied. ``railheads`` are ``[q, r, tons_per_day]``; ``lines`` the rail edges in use
    as ``[q1, r1, q2, r2, tons_per_day]``."""

    match: str
    side: Side
    day: int
    level: bytes
    railheads: list[tuple[int, int, int]]
    lines: list[tuple[int, int, int, int, int]]
    sources: list[str]
    trucks: int | None = None  # the side's lorry fleet today (None: not counted)
    truck_load: float = 0.0  # lorry driving needed / the fleet's; above 1 the far end goes short
    works: list[tuple[int, int]] = []  # own railway hexes wrecked or of the other gauge
    open_rail: list[tuple[int, int]] = []  # railway the side's trains can run on today


class RegionWeather(msgspec.Struct, omit_defaults=True):
    region: str
    sky: str
    temp_c: float
    ground: str
    rivers: str
    forecast: list[tuple[str, str, float]] = []  # (date, sky, temp_c) for the days ahead


class WeatherReport(Message, tag="weather"):
    """Today's weather in every region and the forecast, sent daily to everyone."""

    match: str
    day: int
    date: str
    regions: list[RegionWeather]


class ControlMap(Message, tag="control"):
    """Who holds each hex (one byte per hex: 0 nobody, 1 Soviet, 2 Japan), sent daily and on
    joining; the front line is common knowledge."""

    match: str
    day: int
    control: bytes


class MatchPresence(Message, tag="match.presence"):
    """A seated player dropped or came back. While a seat's player is away longer than the
    server's reconnect grace, the AI stands in for them (``stand_in``) until they return."""

    match: str
    player: str
    name: str
    side: Side
    connected: bool
    stand_in: bool = False
    seat: str | None = None


class Notice(Message, tag="notice"):
    """Something the server wants every client to know, e.g. ``shutdown`` before it closes."""

    code: str
    message: str


class MatchEnd(Message, tag="match.end"):
    """The match is over. ``winner`` is None for a draw."""

    match: str
    winner: Side | None
    result: str
    time: str


ServerMessage = Union[  # noqa: UP007
    Welcome,
    Error,
    Ok,
    Pong,
    Lobbies,
    LobbyState,
    MatchStart,
    Matches,
    Joined,
    MapData,
    Snapshot,
    Delta,
    OrdersResult,
    ChatLine,
    SupplyMap,
    WeatherReport,
    ControlMap,
    MatchPresence,
    Notice,
    MatchEnd,
]

# Every error code the server sends, and when.
ERROR_CODES: dict[str, str] = {
    "protocol_version": "the hello's protocol version is not this server's; the server closes",
    "bad_message": "undecodable msgpack, not a map, unknown `t`, or a field of the wrong type",
    "too_large": "the message exceeds MAX_MESSAGE_BYTES; the server closes",
    "rate_limited": "too many messages per second; persistent flooding closes the connection",
    "not_ready": "send hello first",
    "unknown_lobby": "no such lobby",
    "unknown_scenario": "no such scenario",
    "seat_taken": "that seat is held by another player or an AI",
    "not_in_lobby": "the request needs you to be in a lobby",
    "not_host": "only the lobby's host may do that",
    "not_all_ready": "a human seat is empty or not ready",
    "lobby_started": "the lobby's match has already started",
    "unknown_match": "no such match",
    "match_elsewhere": "the match runs on another server: connect to `url` and ask there",
    "bad_ticket": "the ticket is unknown, used, or for another match",
    "not_in_match": "the request needs you to be in a match",
    "spectator": "spectators cannot give orders or control the match",
    "lobby_unavailable": "the lobby store cannot be reached right now",
    "bad_password": "the lobby or match needs a password, and this is not it",
    "no_spectators": "this match takes no spectators",
    "unknown_seat": "the lobby has no such seat on that side",
    "not_spectator": "only spectators change what they look at",
    "internal": "the server failed to handle the request; nothing was changed by it",
    **{f"order:{k}": v for k, v in ORDER_ERRORS.items()},
}

_client_decoder = msgspec.msgpack.Decoder(ClientMessage)
_server_decoder = msgspec.msgpack.Decoder(ServerMessage)
_encoder = msgspec.msgpack.Encoder()


class ProtocolError(ValueError):
    """A message could not be decoded or failed validation; ``str()`` says where and why."""


def encode(message: Message) -> bytes:
    return _encoder.encode(message)


def decode_client(data: bytes) -> ClientMessage:
    try:
        return _client_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError) as e:
        raise ProtocolError(str(e)) from None


def decode_server(data: bytes) -> ServerMessage:
    try:
        return _server_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError) as e:
        raise ProtocolError(str(e)) from None


def request_id(data: bytes, key: str = "id") -> int | None:
    """Best-effort integer ``id`` of an encoded message (``re`` of a reply) without a full
    decode: for errors about messages that failed validation, and for relays."""
    try:
        raw = msgspec.msgpack.decode(data)
    except (msgspec.DecodeError, ValueError):
        return None
    if isinstance(raw, dict):
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


# ------------------------------------------------------------------------ documentation
def _type_name(tp: Any) -> str:
    """A msgpack-flavoured name for a declared type, with its limits, for the docs."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        base, limits = _type_name(args[0]), []
        for meta in args[1:]:
            if not isinstance(meta, msgspec.Meta):
                continue
            for key, text in (
                ("min_length", "len ≥ {}"),
                ("max_length", "len ≤ {}"),
                ("ge", "≥ {}"),
                ("le", "≤ {}"),
            ):
                value = getattr(meta, key, None)
                if value is not None:
                    limits.append(text.format(value))
        return f"{base} ({', '.join(limits)})" if limits else base
    if origin is Literal:
        return " \\| ".join(f'"{a}"' for a in args)
    if origin in (Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in args)
    if origin is list:
        return f"array of {_type_name(args[0])}"
    if origin is dict:
        return f"map {_type_name(args[0])} → {_type_name(args[1])}"
    if origin is tuple:
        return "[" + ", ".join(_type_name(a) for a in args) + "]"
    names = {int: "int", float: "float", str: "str", bool: "bool", bytes: "bin", type(None): "nil"}
    if tp in names:
        return names[tp]
    return f"`{getattr(tp, '__name__', repr(tp))}`"


def markdown() -> str:
    """docs/protocol.md, generated from the declarations above."""
    import inspect

    out = [
        "# The Khasan wire protocol",
        "",
        "Generated from `shared/protocol.py` by `python -m shared.protocol`; do not edit by hand.",
        "",
        inspect.cleandoc(__doc__ or ""),
        "",
        f"Protocol version: **{PROTOCOL_VERSION}**. Connect to `ws://HOST:PORT/ws`; "
        "`GET /healthz` on the same port answers JSON.",
        "",
        "Senders leave out fields whose value is the default (an empty `units` array, a nil "
        "`winner`): a field that is absent has the default the tables below give.",
        "",
        "## Limits",
        "",
        f"- `MAX_MESSAGE_BYTES` = {MAX_MESSAGE_BYTES}: a larger frame closes the connection "
        "(code 1009).",
        f"- `MAX_ORDERS_PER_MESSAGE` = {MAX_ORDERS_PER_MESSAGE}.",
        f"- Names: 1–{MAX_NAME} characters; chat lines 1–{MAX_CHAT}.",
        "- The server's rate limit and send-buffer limits are listed in `khasan-server --help`.",
        "",
        "## A session",
        "",
        "1. `hello` → `welcome`.",
        "2. `lobby.create` (or `lobby.list` then `lobby.join`) → `lobby.state`; `lobby.ready`; "
        "the host sends `lobby.start`.",
        "3. Every member gets `match.start` with a single-use `ticket`; send `match.join` → "
        "`joined`, then `map`, then `snapshot`, then a `delta` every network tick.",
        "4. `orders` → `orders.result`. Spectators use `match.watch` instead of a ticket.",
        "",
    ]
    for title, union in (("Client to server", ClientMessage), ("Server to client", ServerMessage)):
        out += [f"## {title}", ""]
        for cls in get_args(union):
            out += _struct_doc(cls, f"`{cls.__struct_config__.tag}`")
    out += ["## Structures", ""]
    for cls in (
        OrderRequest,
        OrderResult,
        SeatInfo,
        LobbyInfo,
        MatchInfo,
        PlaceInfo,
        UnitView,
        ObjectiveView,
        EventView,
    ):
        out += _struct_doc(cls, cls.__name__)
    out += ["## Error codes", "", "| code | meaning |", "|---|---|"]
    out += [f"| `{code}` | {text} |" for code, text in ERROR_CODES.items()]
    out.append("")
    out.append(
        "Order verdicts in `orders.result` use the codes after `order:` (without the prefix)."
    )
    return "\n".join(out) + "\n"


def _msgpack_repr(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _struct_doc(cls: type[msgspec.Struct], heading: str) -> list[str]:
    import inspect

    out = [f"### {heading}", ""]
    if cls.__doc__ and cls.__doc__ is not msgspec.Struct.__doc__:
        out += [inspect.cleandoc(cls.__doc__), ""]
    fields = [f for f in msgspec.structs.fields(cls)]
    if fields:
        out += ["| field | type | required |", "|---|---|---|"]
        for f in fields:
            default = (
                f.default_factory() if f.default_factory is not msgspec.NODEFAULT else f.default
            )
            required = "yes" if f.required else f"no: absent means `{_msgpack_repr(default)}`"
            out.append(f"| `{f.encode_name}` | {_type_name(f.type)} | {required} |")
        out.append("")
    return out


if __name__ == "__main__":
    sys.stdout.write(markdown())
