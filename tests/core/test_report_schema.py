"""`report --json` keeps its schema: the same document, keys in the same order, as before."""

from __future__ import annotations

import json
from typing import Any

from bot.text.report import report_json
from tests.support.golden import GOLDEN, golden_snapshot


def _key_order(document: Any) -> Any:
    if isinstance(document, dict):
        return [(key, _key_order(value)) for key, value in document.items()]
    if isinstance(document, list):
        return [_key_order(item) for item in document]
    return None


def test_the_report_document_is_unchanged() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    document = json.loads(json.dumps(report_json(golden_snapshot()), allow_nan=False))
    assert document == golden
    assert _key_order(document) == _key_order(golden)
