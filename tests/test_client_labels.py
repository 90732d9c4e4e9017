"""Place names by importance: which the map shows at each zoom."""

from __future__ import annotations

from client.labels import RANK_MIN_HEX_PX, rank, shown


def test_ranks_follow_what_a_place_is_worth() -> None:
    assert rank(10, 5, 0) == 0  # Harbin
    assert rank(4, 1, 0) == 1  # a provincial town that counts
    assert rank(0, 0, 0) == 2  # a railway station


def test_the_great_cities_show_first_and_the_rest_as_you_zoom_in() -> None:
    boxes = [(100.0 * i, 100.0, 60.0, 14.0) for i in range(3)]
    ranks = [0, 1, 2]
    far, middle, near = 1.0, RANK_MIN_HEX_PX[1], RANK_MIN_HEX_PX[2]
    assert shown(boxes, ranks, far, 800, 600) == [True, False, False]
    assert shown(boxes, ranks, middle, 800, 600) == [True, True, False]
    assert shown(boxes, ranks, near, 800, 600) == [True, True, True]


def test_a_name_never_covers_a_more_important_one() -> None:
    boxes = [(100.0, 100.0, 80.0, 14.0), (120.0, 105.0, 80.0, 14.0), (300.0, 100.0, 80.0, 14.0)]
    assert shown(boxes, [2, 0, 2], 100.0, 800, 600) == [False, True, True]
    # Of equals, the first given wins.
    assert shown(boxes, [1, 1, 1], 100.0, 800, 600) == [True, False, True]


def test_names_off_screen_are_not_drawn() -> None:
    boxes = [(-200.0, 100.0, 80.0, 14.0), (900.0, 100.0, 80.0, 14.0), (10.0, 10.0, 50.0, 14.0)]
    assert shown(boxes, [0, 0, 0], 100.0, 800, 600) == [False, False, True]
