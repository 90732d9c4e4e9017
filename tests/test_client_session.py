"""The session's conversation, without sockets: what it sends in answer to what it receives."""

from __future__ import annotations

from client.session import (
    RECONNECT_ATTEMPTS,
    Connected,
    Disconnected,
    Plan,
    RequestIds,
    Session,
)
from shared.protocol import (
    PROTOCOL_VERSION,
    Error,
    Hello,
    LobbyCreate,
    LobbyInfo,
    LobbyJoin,
    LobbyList,
    LobbyReady,
    LobbyStart,
    LobbyState,
    MatchEnd,
    MatchJoin,
    MatchStart,
    MatchWatch,
    Message,
    Resync,
    SeatInfo,
    Welcome,
)
from tests.test_client_mirror import Feed

URL = "ws://127.0.0.1:1/ws"


class Wire:
    """Collects what a session sends, stamping ids as a transport would."""

    def __init__(self) -> None:
        self.ids = RequestIds()
        self.sent: list[Message] = []

    def __call__(self, msg: Message) -> int | None:
        self.sent.append(msg)
        return self.ids.stamp(msg)

    def take(self) -> list[Message]:
        out, self.sent = self.sent, []
        return out


def welcomed(plan: Plan) -> tuple[Session, Wire]:
    wire = Wire()
    session = Session("tester", wire, plan)
    session.receive(Connected(URL), 0.0)
    (hello,) = wire.take()
    assert isinstance(hello, Hello) and hello.protocol == PROTOCOL_VERSION and hello.id == 1
    session.receive(Welcome(re=1, protocol=PROTOCOL_VERSION, player="p-me", token="tok"), 0.0)
    return session, wire


def lobby(seats: list[SeatInfo], host: str = "p-me", state: str = "open") -> LobbyState:
    return LobbyState(
        lobby=LobbyInfo(
            id="L1",
            name="game",
            scenario="lake-khasan",
            title="Lake Khasan, 1938",
            host=host,
            state=state,
            seats=seats,  # type: ignore[arg-type]
        )
    )


def test_create_join_ready_start_then_join_the_match() -> None:
    plan = Plan(create="lake-khasan", side="soviet", ai={"japan": "normal"}, speed=50.0)
    session, wire = welcomed(plan)
    (create,) = wire.take()
    assert isinstance(create, LobbyCreate)
    assert create.scenario == "lake-khasan" and create.ai == {"japan": "normal"}
    assert create.speed == 50.0 and create.id == 2

    ai_seat = SeatInfo("japan", ai="normal")
    session.receive(lobby([SeatInfo("soviet"), ai_seat]), 0.0)
    (join,) = wire.take()
    assert isinstance(join, LobbyJoin) and join.side == "soviet" and join.lobby == "L1"

    session.receive(lobby([SeatInfo("soviet", "p-me", "tester"), ai_seat]), 0.0)
    (ready,) = wire.take()
    assert isinstance(ready, LobbyReady) and ready.ready

    seated = lobby([SeatInfo("soviet", "p-me", "tester", ready=True), ai_seat])
    session.receive(seated, 0.0)
    (start,) = wire.take()
    assert isinstance(start, LobbyStart)
    session.receive(seated, 0.0)  # the same state pushed again: nothing is sent twice
    assert wire.take() == []

    session.receive(MatchStart(match="m1", url=URL, ticket="t1", side="soviet"), 0.0)
    (mj,) = wire.take()
    assert isinstance(mj, MatchJoin) and (mj.match, mj.ticket) == ("m1", "t1")
    assert any("started" in n for n in session.notes)


def test_host_waits_for_the_human_opponent() -> None:
    session, wire = welcomed(Plan(create="lake-khasan", side="japan"))
    wire.take()
    me = SeatInfo("japan", "p-me", "tester", ready=True)
    session.receive(lobby([SeatInfo("soviet"), me]), 0.0)
    assert wire.take() == [], "the Soviet seat is empty: do not start"
    session.receive(lobby([SeatInfo("soviet", "p-you", "human"), me]), 0.0)
    assert wire.take() == [], "the human is not ready"
    session.receive(lobby([SeatInfo("soviet", "p-you", "human", ready=True), me]), 0.0)
    assert [type(m) for m in wire.take()] == [LobbyStart]


def test_joining_a_lobby_does_not_start_it() -> None:
    session, wire = welcomed(Plan(lobby="L1", side="japan", start=False))
    (join,) = wire.take()
    assert isinstance(join, LobbyJoin) and join.side == "japan"
    host = SeatInfo("soviet", "p-host", "host", ready=True)
    session.receive(lobby([host, SeatInfo("japan", "p-me", "tester")], host="p-host"), 0.0)
    assert [type(m) for m in wire.take()] == [LobbyReady]
    session.receive(
        lobby([host, SeatInfo("japan", "p-me", "tester", ready=True)], host="p-host"), 0.0
    )
    assert wire.take() == []


def test_watch_and_manual_plans() -> None:
    _, wire = welcomed(Plan(watch="first"))
    (watch,) = wire.take()
    assert isinstance(watch, MatchWatch) and watch.match == "first"
    _, wire = welcomed(Plan(ready=False, start=False))
    assert [type(m) for m in wire.take()] == [LobbyList]


def test_a_start_refused_is_retried_on_the_next_lobby_state() -> None:
    session, wire = welcomed(Plan(create="lake-khasan", side="soviet", ai={"japan": "easy"}))
    wire.take()
    seated = lobby([SeatInfo("soviet", "p-me", "me", ready=True), SeatInfo("japan", ai="easy")])
    session.receive(seated, 0.0)
    (start,) = wire.take()
    session.receive(Error(re=start.id, code="not_all_ready", message="wait"), 0.0)
    assert session.fatal is None
    session.receive(seated, 0.0)
    assert [type(m) for m in wire.take()] == [LobbyStart]


def test_refusals_of_the_plan_are_fatal_with_a_reason() -> None:
    session, wire = welcomed(Plan(create="no-such-place", side="soviet"))
    (create,) = wire.take()
    session.receive(Error(re=create.id, code="unknown_scenario", message="no scenario"), 0.0)
    assert session.fatal is not None and "unknown_scenario" in session.fatal


def test_protocol_mismatch_is_explained() -> None:
    wire = Wire()
    session = Session("tester", wire, Plan())
    session.receive(Connected(URL), 0.0)
    session.receive(
        Error(re=1, code="protocol_version", message="this server speaks protocol 9, not 1"), 0.0
    )
    assert session.fatal is not None and "protocol" in session.fatal
    session2 = Session("tester", Wire(), Plan())
    session2.receive(Connected(URL), 0.0)
    session2.receive(Welcome(re=1, protocol=PROTOCOL_VERSION + 1, player="p", token="t"), 0.0)
    assert session2.fatal is not None and str(PROTOCOL_VERSION + 1) in session2.fatal


def test_disconnect_is_fatal_but_not_after_the_end() -> None:
    session, _ = welcomed(Plan())
    session.receive(Disconnected("cannot reach the server"), 0.0)
    assert session.fatal == "cannot reach the server"
    session, _ = welcomed(Plan())
    session.receive(MatchEnd(match="m", winner=None, result="draw", time="t"), 0.0)
    session.receive(Disconnected("closed"), 0.0)
    assert session.ended and session.fatal is None


def test_a_match_on_another_server_means_reconnect_then_join() -> None:
    session, wire = welcomed(Plan(create="lake-khasan", side="soviet"))
    wire.take()
    other = "ws://10.0.0.2:9000/ws"
    session.receive(MatchStart(match="m1", url=other, ticket="t1", side="soviet"), 0.0)
    assert session.switch_to == other and wire.take() == []
    session.receive(Connected(other), 0.0)
    (hello,) = wire.take()
    assert isinstance(hello, Hello) and hello.token == "tok", "resume the same player there"
    session.receive(Welcome(re=hello.id, protocol=PROTOCOL_VERSION, player="p-me", token="tok"), 0)
    (join,) = wire.take()
    assert isinstance(join, MatchJoin) and join.ticket == "t1"


def test_a_delta_gap_sends_resync() -> None:
    session, wire = welcomed(Plan(watch="first"))
    wire.take()
    feed = Feed("spectator")
    for msg in feed.join():
        session.receive(msg, 0.0)
    assert wire.take() == []
    feed.hours(1)  # lost
    session.receive(feed.hours(1), 0.0)
    assert [type(m) for m in wire.take()] == [Resync]
    session.receive(feed.hours(1), 0.0)
    assert wire.take() == [], "one resync per gap"
    session.receive(feed.snapshot(), 0.0)
    session.receive(feed.hours(1), 0.0)
    assert wire.take() == [] and not session.mirror.awaiting_snapshot


def test_request_ids_are_unique_and_kept() -> None:
    ids = RequestIds()
    msgs = [LobbyList(), LobbyList(id=None), LobbyList()]
    assert [ids.stamp(m) for m in msgs] == [1, 2, 3]
    preset = LobbyList(id=99)
    assert ids.stamp(preset) == 99


def test_a_dropped_match_connection_rejoins_with_the_same_ticket() -> None:
    session, wire = welcomed(Plan(create="lake-khasan", side="soviet"))
    wire.take()
    session.receive(MatchStart(match="m-test", url=URL, ticket="t1", side="soviet"), 0.0)
    wire.take()
    for msg in Feed("soviet").join():
        session.receive(msg, 0.0)
    session.receive(Disconnected("the connection to the server was lost"), 1.0)
    assert session.fatal is None and session.reconnect and session.status == "reconnecting"
    session.reconnect = False  # the transport took note and connects again
    session.receive(Connected(URL), 2.0)
    (hello,) = wire.take()
    assert isinstance(hello, Hello) and hello.token == "tok"
    session.receive(Welcome(re=hello.id, protocol=PROTOCOL_VERSION, player="p-me", token="tok"), 2)
    (join,) = wire.take()
    assert isinstance(join, MatchJoin) and (join.match, join.ticket) == ("m-test", "t1")


def test_reconnecting_gives_up_after_a_few_attempts() -> None:
    session, _ = welcomed(Plan(watch="first"))
    for msg in Feed("spectator").join():
        session.receive(msg, 0.0)
    for _ in range(RECONNECT_ATTEMPTS):
        session.receive(Disconnected("refused"), 0.0)
        assert session.fatal is None and session.reconnect
        session.reconnect = False
    session.receive(Disconnected("refused"), 0.0)
    assert session.fatal == "refused"
