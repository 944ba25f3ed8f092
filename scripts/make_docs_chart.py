"""Render the README's chart with the project's own code: /rally YTD on demo data.

Run: .venv/bin/python scripts/make_docs_chart.py   (writes docs/rally-ytd-demo.png)
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
TARGET = Path(__file__).resolve().parent.parent / "docs" / "rally-ytd-demo.png"


async def main() -> None:
    """Ask the offline bot for /rally ytd and keep its photo."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            MARKET_DATA="demo",
            RALLYBOT_DATA_DIR=data_dir,
        )
        async with DemoSession.open(settings, clock=lambda: WHEN, schedule_refresh=False) as bot:
            replies = await bot.ask("/rally ytd")
        (path,) = save_photos(replies, Path(data_dir), "rally")
        TARGET.parent.mkdir(exist_ok=True)
        TARGET.write_bytes(path.read_bytes())
    print(f"wrote {TARGET}")
    print(replies[0].text)


if __name__ == "__main__":
    asyncio.run(main())
