"""Process memory housekeeping."""

from __future__ import annotations

import contextlib
import ctypes
import gc

M_ARENA_MAX = -8
"""glibc's mallopt parameter for the most heaps (arenas) malloc keeps."""


def share_one_heap() -> None:
    """Make every thread allocate from one glibc heap; call before threads start.

    glibc gives each thread that allocates a heap of its own (up to eight per core), and
    freed memory in one cannot serve another: the chart thread's heap and the loop's each
    kept their own high-water marks, 5-9 MB more after every command kind. This process has
    few threads that rarely allocate at once, so sharing one costs no measurable time. A
    no-op elsewhere.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1)


def release_free_memory() -> None:
    """Hand memory freed after a burst of work (startup, a refresh, a chart) back to the
    system.

    glibc keeps freed heap pages for reuse, so the process would stay as large as its
    busiest moment; malloc_trim returns them (some 15 MB after start; a chart's pixel
    buffers and pandas temporaries are carved from the heap too, and a burst of cold charts
    kept some 20 MB). About 0.2 ms once warm. A no-op elsewhere.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def keep_for_good() -> None:
    """Move every object loaded so far out of the cyclic collector's sight, for good.

    For what lives as long as the process: modules, the universe, the first market view,
    and matplotlib once the first chart loads it. A full collection then takes milliseconds
    (about 3 ms after a chart) instead of the ~100 ms that stalls every send behind it.
    """
    gc.freeze()


def collect_chart_garbage() -> None:
    """Free what a chart just drawn left behind, and hand the pages back (~3 ms).

    A drawn figure is a web of reference cycles (figure, axes, artists, a pixel buffer of up
    to 7 MB) that only a full collection frees, and those are rare: several charts' worth
    lingered, 30 MB after a dozen. Called on the render thread, after each chart.
    """
    gc.collect()
    release_free_memory()
