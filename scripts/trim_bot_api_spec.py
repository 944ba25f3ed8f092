"""Write bot/sandbox/localapi/bot_api_methods.json, the compact spec the local Bot API ships.

Usage: python scripts/trim_bot_api_spec.py [path/to/api.json] [output.json]
Defaults read ../shared/telegram/api.json (beside the repo) and write the packaged copy.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The script runs as a file, not a module, so make the repo's packages importable.
sys.path.insert(0, str(REPO_ROOT))

from bot.sandbox.localapi._spec import PACKAGED_SPEC, SHARED_SPEC, compact_spec  # noqa: E402

logger = logging.getLogger(__name__)


def trim(source: Path, target: Path) -> int:
    """Compact `source` into `target`; return the number of methods written."""
    raw = json.loads(source.read_text(encoding="utf-8"))
    compact = compact_spec(raw)
    # One method per line keeps diffs of future spec updates readable.
    lines = [
        f"  {json.dumps(name)}: {json.dumps(method, ensure_ascii=False)}"
        for name, method in compact["methods"].items()
    ]
    types = [
        f"  {json.dumps(name)}: {json.dumps(declared, ensure_ascii=False)}"
        for name, declared in compact["types"].items()
    ]
    header = (
        f'{{\n  "version": {json.dumps(compact["version"])},\n'
        f'  "release_date": {json.dumps(compact["release_date"])},\n  "methods": {{\n'
    )
    body = "  " + ",\n  ".join(lines) + '\n  },\n  "types": {\n  ' + ",\n  ".join(types)
    target.write_text(header + body + "\n  }\n}\n", encoding="utf-8")
    return len(compact["methods"])


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    source = Path(argv[1]) if len(argv) > 1 else SHARED_SPEC
    target = Path(argv[2]) if len(argv) > 2 else PACKAGED_SPEC
    if not source.is_file():
        logger.error("Spec not found: %s", source)
        return 1
    count = trim(source, target)
    logger.info("Wrote %d methods to %s", count, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
