"""The start screen, lobby browser and result panel as plain Python: what each shows, what each
click and key sends. The window only draws these items (tests/test_client_screens_window.py)."""

from __future__ import annotations

import pytest

from client.browser import LobbyBrowser
from client.connect import AddressError, StartForm, explain, normalise_address
from client.mirror import Mirror
from client.result import BACK, headline, layout, result_lines
from client.session import Plan, Session, make_request, seat_id
from client.ui import DOUBLE_CLICK_S, Item, Rect, find, hit
from shared.protocol import (
    Chat,
    ChatLine,
    LobbyCreate,
    LobbyInfo,
    LobbyJoin,
    LobbyLeave,
    LobbyList,
    LobbyReady,
    LobbySeat,
    LobbyStart,
    MatchEnd,
    MatchInfo,
    MatchList,
    MatchWatch,
    SeatInfo,
)
from tests.test_client_mirror import joined_mirror
from tests.test_client_session import welcomed

W, H = 1280, 800


# -- start screen ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("127.0.0.1", "ws://127.0.0.1:8765/ws"),
        ("game.example.org:9000", "ws://game.example.org:9000/ws"),
        (" ws://h:1/ws ", "ws://h:1/ws"),
        ("ws://h:1", "ws://h:1/ws"),
        ("wss://h/khasan", "wss://h:443/khasan"),
        ("http://h:80/", "ws://h:80/ws"),
        ("[::1]:8765", "ws://[::1]:8765/ws"),
    ],
)
def test_addresses_become_websocket_urls(typed: str, url: str) -> None:
    assert normalise_address(typed) == url


@pytest.mark.parametrize("typed", ["", "   ", "ftp://h", "h:notaport", "ws://:80"])
def test_bad_addresses_are_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(AddressError):
        normalise_address(typed)


@pytest.mark.parametrize(
    ("reason", "headline"),
    [
        ("cannot reach the server at ws://h:1/ws: Connection refused", "Server unreachable"),
        (
            "cannot reach the server at ws://nope:1/ws: Name or service not known",
            "Server unreachable",
        ),
        ("no answer from ws://h:1/ws within 5 s: server unreachable", "Server unreachable"),
        ("the server speaks another protocol version: this is 2", "Protocol version mismatch"),
        ("the server speaks protocol 2, this client 1: update", "Protocol version mismatch"),
        ("ws://h:1/x answered HTTP 404 instead of a websocket", "Not a Khasan server"),
        ("the server closed the connection", "Disconnected"),
    ],
)
def test_failures_are_sorted_into_what_to_do(reason: str, headline: str) -> None:
    failure = explain(reason)
    assert failure.headline == headline and failure.detail == reason and failure.hint


def test_the_start_form_validates_connects_and_shows_why_it_failed() -> None:
    form = StartForm.prefilled("127.0.0.1:8765", "Blyukher")
    items = form.layout(W, H)
    assert {i.field for i in items if i.field} == {"server", "name"}
    assert find(items, "connect") is not None
    assert form.submit() == ("ws://127.0.0.1:8765/ws", "Blyukher")
    assert form.state == "connecting" and find(form.layout(W, H), "connect") is None

    form.failed("cannot reach the server at ws://127.0.0.1:8765/ws: Connection refused")
    texts = [i.text for i in form.layout(W, H)]
    assert "Server unreachable" in texts and find(form.layout(W, H), "connect") is not None
    assert form.entries.focus == "server"  # back to editing the address

    form.entries.set("name", "")
    assert form.submit() is None and form.failure is not None
    assert form.failure.headline == "Bad name" and form.entries.focus == "name"
    form.entries.set("name", "Stern")
    form.entries.set("server", "ftp://x")
    assert form.submit() is None and form.failure.headline == "Bad address"


def test_clicks_find_the_topmost_item_and_double_clicks_are_told_apart() -> None:
    from client.ui import DoubleClick

    under = Item(Rect(0, 0, 100, 100), "a", "button", "under")
    over = Item(Rect(50, 50, 100, 100), "b", "button", "over")
    label = Item(Rect(0, 0, 300, 300), "just text")
    assert hit([under, over, label], 60, 60) is over
    assert hit([under, over], 10, 10) is under and hit([under, over], 200, 10) is None
    clicks = DoubleClick()
    assert not clicks.click("x", 1.0)
    assert clicks.click("x", 1.0 + DOUBLE_CLICK_S / 2)
    assert not clicks.click("x", 1.1 + DOUBLE_CLICK_S / 2)  # a third click starts anew
    assert not clicks.click("y", 1.2 + DOUBLE_CLICK_S / 2)


# -- lobby browser -----------------------------------------------------------------------------
def seat(side: str, sid: str = "", title: str = "", **kw: object) -> SeatInfo:
    return SeatInfo(side, seat=sid or side, title=title, **kw)  # type: ignore[arg-type]


def lobby_info(lid: str, seats: list[SeatInfo], host: str = "p-host", **kw: object) -> LobbyInfo:
    return LobbyInfo(
        id=lid,
        name=f"game {lid}",
        scenario="the-war",
        title="The War",
        host=host,
        state="open",
        seats=seats,
        **kw,  # type: ignore[arg-type]
    )


def browsing() -> tuple[LobbyBrowser, Mirror]:
    m = Mirror()
    m.player = "p-me"
    m.scenarios = ["lake-khasan", "manchuria-1938", "the-war"]
    m.lobbies = [
        lobby_info(
            "L1",
            [
                seat("soviet", "mongolian", "Mongolian Force", player="p-a", name="Zhukov"),
                seat("soviet", "manchurian", "Manchurian Force"),
                seat("japan", "kwantung", "Kwantung Army", ai="hard"),
            ],
        ),
        lobby_info("L2", [seat("soviet"), seat("japan")], password=True, spectators=2),
    ]
    m.matches = [
        MatchInfo(
            id="M1",
            scenario="lake-khasan",
            title="Lake Khasan",
            time="1938-07-30T10:00",
            hour=30,
            players={"soviet": ["Stern"], "japan": []},
            spectators=3,
        )
    ]
    return LobbyBrowser(), m


def texts_of(items: list[Item]) -> str:
    return "\n".join(i.text for i in items)


def test_the_lists_show_seats_titles_holders_and_locks() -> None:
    browser, m = browsing()
    rows = browser.rows(m)
    assert [(r.kind, r.id, r.locked) for r in rows] == [
        ("lobby", "L1", False),
        ("lobby", "L2", True),
        ("match", "M1", False),
    ]
    assert "Zhukov" in rows[0].text and "AI hard" in rows[0].text and "open" in rows[0].text
    assert "Stern" in rows[2].text and "3 watching" in rows[2].text
    items = browser.layout(m, W, H, "me @ server")
    assert sum(i.style == "lock" for i in items) == 1
    details = texts_of(items)  # the picked lobby's seats, with their titles and holders
    assert "Soviet: Zhukov  - Mongolian Force" in details
    assert "Japanese: AI (hard)  - Kwantung Army" in details
    joins = [i.action for i in items if i.text == "Join"]
    assert joins == ["join:L1:soviet:manchurian"], "only the free seat has a Join button"


def test_joining_a_seat_and_a_password_prompt() -> None:
    browser, m = browsing()
    (plan,) = browser.act("join:L1:soviet:manchurian", m)
    assert isinstance(plan, Plan)
    assert (plan.lobby, plan.side, plan.seat, plan.password) == ("L1", "soviet", "manchurian", None)
    # L2 has a password: the join waits for it.
    assert browser.act("join:L2:japan:japan", m) == []
    assert browser.prompt is not None and browser.entries.focus == "prompt"
    items = browser.layout(m, W, H, "")
    assert any(i.field == "prompt" for i in items) and find(items, "password:ok") is not None
    browser.entries.set("prompt", "banzai")
    (plan,) = browser.commit(m)  # Enter in the prompt
    assert isinstance(plan, Plan) and (plan.lobby, plan.seat, plan.password) == (
        "L2",
        "japan",
        "banzai",
    )
    assert browser.prompt is None and browser.entries.get("prompt") == ""
    browser.act("spectate:L2", m)
    browser.escape()  # Esc cancels the prompt
    assert browser.prompt is None


def test_a_plan_to_join_sends_the_seat_and_password() -> None:
    session, wire = welcomed(Plan(lobby="L2", side="japan", seat="kwantung", password="pw"))
    (join,) = wire.take()
    assert isinstance(join, LobbyJoin)
    assert (join.side, join.seat, join.password) == ("japan", "kwantung", "pw")
    me = seat("japan", "kwantung", player="p-me", name="tester")
    host = seat("soviet", "mongolian", player="p-host", name="host", ready=True)
    session.receive(
        lobby_state(lobby_info("L2", [host, seat("soviet", "manchurian", ai="easy"), me])), 0.0
    )
    assert [type(x) for x in wire.take()] == [LobbyReady]
    assert session.my_seat(lobby_info("L2", [me])) == "kwantung"
    assert seat_id(SeatInfo("soviet")) == "soviet"


def lobby_state(info: LobbyInfo) -> object:
    from shared.protocol import LobbyState

    return LobbyState(lobby=info)


def test_the_create_form_builds_the_lobby_it_shows() -> None:
    browser, m = browsing()
    items = browser.layout(m, W, H, "")
    assert find(items, "create") is not None and any(i.field == "password" for i in items)
    browser.act("scenario:+1", m)
    browser.act("scenario:+1", m)
    assert browser.form.scenario == "the-war"
    browser.act("ai:japan", m)  # normal -> hard
    browser.act("speed:+1", m)  # 1 -> 2
    browser.act("spectators", m)
    browser.act("delay", m)  # 0 -> 6
    browser.entries.set("password", "secret")
    (plan,) = browser.act("create", m)
    assert isinstance(plan, Plan)
    assert (plan.create, plan.side, plan.ai, plan.speed) == (
        "the-war",
        "soviet",
        {"japan": "hard"},
        2.0,
    )
    assert (plan.password, plan.spectators, plan.spectator_delay) == ("secret", False, 6)
    assert plan.ready and plan.start, "against the AI: ready and start at once"

    _, wire = welcomed(plan)
    (create,) = wire.take()
    assert isinstance(create, LobbyCreate) and create.scenario == "the-war"
    assert getattr(create, "password", "secret") == "secret"
    assert getattr(create, "spectators", False) is False
    assert getattr(create, "spectator_delay", 6) == 6

    browser.act("ai:japan", m)  # hard -> human: a two-player game waits for the opponent
    (plan,) = browser.act("create", m)
    assert isinstance(plan, Plan) and plan.ai == {} and not plan.start
    browser.act("play", m)  # you play Japan now
    assert browser.form.who("japan") == "you" and browser.form.who("soviet") == "human player"


def test_your_lobby_ready_start_leave_and_chat() -> None:
    browser, m = browsing()
    me = seat("soviet", "manchurian", "Manchurian Force", player="p-me", name="tester")
    empty = seat("soviet", "mongolian", "Mongolian Force")
    m.lobby = lobby_info("L1", [empty, me, m.lobbies[0].seats[2]], host="p-me")
    items = browser.layout(m, W, H, "")
    assert "Your lobby (you are host)" in texts_of(items)
    assert find(items, "create") is None and find(items, "start") is not None
    assert browser.act("ready", m) == [LobbyReady(ready=True)]
    assert browser.act("start", m) == [LobbyStart()]
    # The host gives the empty Mongolian seat to the AI and opens the Japanese AI's seat.
    to_ai, to_open = find(items, "seat:mongolian:normal"), find(items, "seat:kwantung:")
    assert to_ai is not None and to_open is not None
    assert find(items, "seat:manchurian:normal") is None  # the host's own seat
    assert browser.act("seat:mongolian:normal", m) == [LobbySeat(seat="mongolian", ai="normal")]
    assert browser.act("seat:kwantung:", m) == [LobbySeat(seat="kwantung")]
    browser.entries.focus = "chat"
    browser.entries.set("chat", "  za rodinu  ")
    assert browser.commit(m) == [Chat(text="za rodinu")]
    assert browser.entries.get("chat") == ""
    m.apply(ChatLine(player="p-a", name="Zhukov", text="ura", side="soviet"), 0.0)
    assert "Zhukov (soviet): ura" in texts_of(browser.layout(m, W, H, ""))
    assert browser.act("leave", m) == [LobbyLeave()] and m.lobby is None


def test_keys_keep_their_meaning() -> None:
    browser, m = browsing()
    (quick,) = browser.act(browser.key_action("_1", m) or "", m)
    assert isinstance(quick, Plan) and quick.side == "soviet" and quick.ai == {"japan": "normal"}
    (duel,) = browser.act(browser.key_action("_3", m) or "", m)
    assert isinstance(duel, Plan) and duel.ai == {} and not duel.start
    assert browser.key_action("S", m) == "join:L1:soviet:"
    assert browser.key_action("V", m) == "spectate:L1"
    browser.act("pick:+1", m)
    browser.act("pick:+1", m)
    assert browser.picked == 2
    assert browser.key_action("W", m) == "watch:M1" and browser.key_action("ENTER", m) == "watch:M1"
    assert browser.key_action("S", m) is None  # a match is picked: nothing to join
    assert browser.act("watch:M1", m) == [Plan(watch="M1")]
    browser.act("pick:+1", m)
    assert browser.picked == 0  # wraps
    assert browser.act("refresh", m) == [LobbyList(), MatchList()]
    assert browser.act(browser.key_action("R", m) or "", m) == []  # not seated
    assert browser.message


def test_a_double_click_watches_a_running_match() -> None:
    browser, m = browsing()
    assert browser.click_row(2, m, 10.0) == [] and browser.picked == 2
    assert browser.click_row(2, m, 10.1) == [Plan(watch="M1")]
    assert browser.click_row(0, m, 11.0) == []
    assert browser.click_row(0, m, 11.1) == [
        Plan(lobby="L1", side="spectator", ready=False, start=False)
    ]


def test_a_refused_request_is_said_in_words() -> None:
    browser, m = browsing()
    browser.error("bad_password", "the lobby or match needs a password")
    assert "wrong password" in texts_of(browser.layout(m, W, H, ""))


def test_watch_plan_carries_the_password() -> None:
    _, wire = welcomed(Plan(watch="M1", password="pw"))
    (watch,) = wire.take()
    assert isinstance(watch, MatchWatch) and getattr(watch, "password", "pw") == "pw"
    assert make_request(MatchWatch, match="x", nonsense=1) == MatchWatch(match="x")


def test_a_session_refusal_in_the_browser_is_not_fatal_to_the_connection() -> None:
    session, _ = welcomed(Plan(ready=False, start=False))
    assert isinstance(session, Session) and session.status == "welcome"


# -- result panel ------------------------------------------------------------------------------
def test_the_result_panel_says_who_won_why_and_the_tally() -> None:
    mirror, _ = joined_mirror("soviet")
    mirror.apply(
        MatchEnd(
            match=mirror.match or "", winner="soviet", result="objectives", time="1938-08-11T20:00"
        ),
        0.0,
    )
    assert headline(mirror) == "Victory"
    lines = result_lines(mirror)
    assert "11 Aug 1938" in lines[0]
    assert "Soviet wins: every objective held at the end" in lines[1]
    assert lines[3].startswith("Soviet: ") and "men in the field" in lines[3]
    assert lines[4].startswith("Japanese: ") and "units seen" in lines[4]
    items = layout(mirror, W, H)
    back = find(items, BACK)
    assert back is not None and hit(items, *back.rect.centre) is back

    spectator, _ = joined_mirror("spectator")
    spectator.apply(
        MatchEnd(match=spectator.match or "", winner=None, result="draw", time="x"), 0.0
    )
    assert headline(spectator) == "Draw" and result_lines(spectator)[1].startswith("Draw")


# -- a spectator's perspective -----------------------------------------------------------------
def test_a_spectator_switching_perspective_keeps_the_map_and_gets_the_sides_fog() -> None:
    from shared.protocol import Joined
    from tests.test_client_mirror import Feed, khasan_map

    mirror, _ = joined_mirror("spectator")
    ground, version = mirror.ground, mirror.map_version
    assert mirror.perspective == "all" and mirror.visible is None
    soviet = Feed("soviet")
    soviet.join()
    # What the server sends after match.view: joined (still a spectator), the map, a snapshot.
    mirror.apply(Joined(match=mirror.match or "", view="spectator", perspective="soviet"), 1.0)
    assert mirror.in_match, "the old picture stays up until the new snapshot"
    mirror.apply(khasan_map(), 1.0)
    snap = soviet.snapshot()
    snap.match = mirror.match or ""
    mirror.apply(snap, 1.0)
    assert mirror.view == "spectator" and mirror.perspective == "soviet"
    assert mirror.frames == "soviet" and mirror.visible is not None
    assert mirror.ground is ground and mirror.map_version == version, "no map rebuilt"
    assert mirror.supply_side == "soviet" and not mirror.awaiting_snapshot

    from client.texts import top_line

    assert "Spectator view (Soviet eyes)" in top_line(mirror)


def test_without_server_the_command_line_leaves_it_to_the_start_screen() -> None:
    from client.cli import parse_args, plan_from

    args = parse_args([])
    assert args.server is None and args.name is None and args.width is None
    assert plan_from(args) == Plan(ready=False, start=False, speed=1.0)
    args = parse_args(["--server", "ws://h:1/ws", "--name", "Stern", "--create", "the-war"])
    assert args.server == "ws://h:1/ws" and plan_from(args).create == "the-war"
