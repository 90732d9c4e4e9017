"""Machine code for the hot loops of the rules and the AI (numba): graph searches over the
map and its railways, and passes over the units' hexes. The functions live beside the rules
they serve (``searches``: paths; ``supply_searches``: the supply network's day;
``staff_searches``: the AI's staff work); this module compiles them and loads them early."""

from __future__ import annotations

from typing import Any

from numba import njit


def compiled(function: Any) -> Any:
    """``function`` compiled, its machine code kept in numba's cache (beside its module, or
    under ``NUMBA_CACHE_DIR``) so that later processes load it in a fraction of a second. Where
    neither can be written (a read-only install), it is compiled afresh in every process."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # numba found no cache directory it may write to
        return njit(nogil=True)(function)


def warm_up() -> None:
    """Compile every compiled function (or load it from numba's cache) now, with the argument
    types the game passes, rather than in the middle of a match's first orders or first day."""
    from shared import searches, staff_searches, supply_searches

    searches.warm_up()
    supply_searches.warm_up()
    staff_searches.warm_up()
