"""Process memory housekeeping: one glibc heap for every thread of `rallybot run`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

HEAPS_ADDED_BY_A_THREAD = textwrap.dedent(
    """
    import sys, threading
    from bot.telegram.memory import share_one_heap

    if sys.argv[1] == "shared":
        share_one_heap()

    def heaps():
        # glibc reserves each heap of its own as a large inaccessible anonymous mapping.
        count = 0
        for line in open("/proc/self/maps"):
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if fields[1] == "---p" and len(fields) == 5 and end - start >= 16 << 20:
                count += 1
        return count

    before = heaps()
    worker = threading.Thread(target=lambda: [bytearray(1000) for _ in range(1000)])
    worker.start()
    worker.join()
    print(heaps() - before)
    """
)


def heaps_added_by_a_thread(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HEAPS_ADDED_BY_A_THREAD, mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heaps, seen in /proc")
def test_a_thread_allocates_from_the_shared_heap_once_it_is_shared() -> None:
    assert heaps_added_by_a_thread("own") == 1  # what glibc does by default
    assert heaps_added_by_a_thread("shared") == 0
