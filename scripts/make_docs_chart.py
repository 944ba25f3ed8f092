"""Render the README's charts with the project's own code, on demo data: /rally YTD,
/heatmap YTD, and /rally YTD in a chat set to Chinese.

Run: .venv/bin/python scripts/make_docs_chart.py   (writes the PNGs under docs/)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from bot.core.config import Settings
from bot.sandbox.session import DemoSession, save_photos

# A fixed moment, so the picture only changes when the code or the demo market does.
WHEN = dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)
DOCS = Path(__file__).resolve().parent.parent / "docs"
# What to ask, in order, and where its photo goes (None: a command without a chart).
ASKS = (
    ("/rally ytd", "rally-ytd-demo.png"),
    ("/heatmap china_ai ytd", "heatmap-ytd-demo.png"),
    ("/settings lang zh", None),
    ("/rally ytd", "rally-ytd-demo-zh.png"),
)


async def main() -> None:
    """Ask the offline bot each command and keep the photos."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings.from_env(
            {"MARKET_DATA": "demo", "RALLYBOT_DATA_DIR": data_dir}, env_file=None
        )
        async with DemoSession.open(settings, clock=lambda: WHEN, schedule_refresh=False) as bot:
            for command, target in ASKS:
                replies = await bot.ask(command)
                if target is None:
                    continue
                (path,) = save_photos(replies, Path(data_dir), target.removesuffix(".png"))
                DOCS.mkdir(exist_ok=True)
                (DOCS / target).write_bytes(path.read_bytes())
                print(f"wrote {DOCS / target}")
                print(replies[0].text)


if __name__ == "__main__":
    asyncio.run(main())
