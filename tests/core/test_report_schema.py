"""`report --json` keeps its schema: the same document, keys in the same order, as before."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.analytics.model import Snapshot
from bot.text.report import report_json
from tests.support.golden import CARRIED, GOLDEN, golden_snapshot


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


def test_the_typed_snapshot_survives_its_json_unchanged() -> None:
    snapshot = golden_snapshot()
    document = json.loads(json.dumps(snapshot.to_json(), allow_nan=False))
    assert Snapshot.from_json(document) == snapshot
    stored = dataclasses.replace(snapshot, version=7)
    assert Snapshot.from_json(stored.to_json()) == stored
    assert "version" not in report_json(stored)


def test_the_lookups_read_what_the_document_holds() -> None:
    snapshot = golden_snapshot()
    document = snapshot.to_json()
    star50 = document["indices"]["star50"]
    assert snapshot.index("star50") == snapshot.instrument(star50)
    assert (
        snapshot.period_return(star50, "YTD") == document["instruments"][star50]["returns"]["YTD"]
    )
    assert snapshot.spread("star50", "ndx", "MTD") == document["spreads"]["star50-ndx"]["MTD"]
    basket = snapshot.baskets["china_ai"]
    raw = document["baskets"]["china_ai"]
    assert [m.to_json() for m in basket.top("1D")] == raw["top_contributors"]["1D"]
    assert [m.to_json() for m in basket.bottom("1D")] == raw["bottom_contributors"]["1D"]
    assert basket.coverage.carried[0].symbol == CARRIED
    assert snapshot.member_values() == {**raw["values"], **document["baskets"]["us_ai"]["values"]}
    assert snapshot.index("no_such_index") is None
    assert snapshot.period_return("NOPE", "YTD") is None
