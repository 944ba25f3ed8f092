"""The maintenance scripts still run against the code they serve."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_chart_script_draws_the_readmes_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = load_script("make_docs_chart")
    monkeypatch.setattr(script, "DOCS", tmp_path)
    asyncio.run(script.main())
    drawn = sorted(path.name for path in tmp_path.iterdir())
    assert drawn == ["heatmap-ytd-demo.png", "rally-ytd-demo-zh.png", "rally-ytd-demo.png"]
    assert all((tmp_path / name).read_bytes().startswith(b"\x89PNG") for name in drawn)
