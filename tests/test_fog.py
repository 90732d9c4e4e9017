"""No information leaks: a side's connection never carries enemy units it cannot see."""

from __future__ import annotations

from tests.wsclient import Client, start_match


def hex_index(pos: list[int], cols: int) -> int:
    q, r = pos
    return r * cols + q + (r - (r & 1)) // 2


def visible(mask: bytes, i: int) -> bool:
    return bool(mask[i >> 3] & (1 << (i & 7)))


async def test_player_view_never_contains_unseen_enemies(server_url: str) -> None:
    player, snap = await start_match(server_url, side="soviet", speed=30.0)
    spectator = await Client.connect(server_url, "umpire")
    await spectator.request({"t": "match.watch", "match": "first"})
    terrain = next(m for m in player.seen if m["t"] == "map")
    cols = terrain["cols"]

    units = {u["id"]: u for u in snap["units"]}
    mask = snap["visible"]
    hidden_somewhere = False
    enemies_seen = 0
    last_seen = {u["id"]: u["pos"] for u in snap["units"] if u["side"] == "japan"}
    for _ in range(80):
        delta = await player.next("delta")
        for u in delta.get("units", []):
            units[u["id"]] = u
        for uid in delta.get("removed", []):
            units.pop(uid)
        if delta.get("visible") is not None:
            mask = delta["visible"]
        for u in units.values():
            if u["side"] != "japan":
                continue
            assert "order" not in u and "path" not in u, "enemy orders leaked"
            in_sight = visible(mask, hex_index(u["pos"], cols))
            if u.get("stale"):
                # A marker where the unit was last seen: never updated while out of sight.
                assert not in_sight and u["pos"] == last_seen[u["id"]]
            else:
                enemies_seen += 1
                assert in_sight, f"{u['id']} seen in fog"
                last_seen[u["id"]] = u["pos"]
        truth = [m for m in spectator.seen if m["t"] in ("snapshot", "delta")]
        all_japanese = {u["id"] for m in truth for u in m.get("units", []) if u["side"] == "japan"}
        live = {uid for uid, u in units.items() if u["side"] == "japan" and not u.get("stale")}
        if all_japanese - live:
            hidden_somewhere = True
    assert enemies_seen > 0, "the Soviet side should see some Japanese units"
    assert hidden_somewhere, "fog should hide some Japanese units from the Soviet side"
    await player.close()
    await spectator.close()
