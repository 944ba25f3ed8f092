"""Process memory housekeeping."""

from __future__ import annotations

import contextlib
import ctypes


def release_free_memory() -> None:
    """Hand memory freed after a burst of work (startup, a refresh) back to the system.

    glibc keeps freed heap pages for reuse, so the process would stay as large as its
    busiest moment; malloc_trim returns them (some 15 MB after start). A no-op elsewhere.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
