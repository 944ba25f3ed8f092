"""The layers hold: no import cycles, and no layer reaching where it must not.

Read from the source with `ast` (every import, module-level or inside a function), so a
forbidden import fails here before it can hide behind a lazy import at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "charts")
OUTSIDE = ("redis", "telegram", "yfinance", "akshare", "curl_cffi", "aiohttp", "httpx")


@cache
def modules() -> dict[str, Path]:
    """Every module of the project's packages by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(name: str) -> Iterator[str]:
    """Every module `name` imports; `from pkg import sub` names the submodule itself."""
    known = modules()
    path = known[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            children = [f"{base}.{alias.name}" for alias in node.names]
            submodules = [child for child in children if child in known]
            yield from submodules or [base]


@cache
def graph() -> dict[str, frozenset[str]]:
    """Project module -> the project modules it imports."""
    known = modules()
    return {
        name: frozenset(d for d in imported(name) if d in known and d != name) for name in known
    }


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert cycles(graph()) == []


def reaches(name: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        target
        for target in imported(name)
        if any(target == f or target.startswith(f"{f}.") for f in forbidden)
    )


TRANSPORT = ("telegram", "bot.telegram", "handlers", "bot.sandbox")
# (modules the rule covers, what they must never import, why)
RULES = [
    (("bot.analytics", "charts"), (*OUTSIDE, "bot.storage", "bot.answers", *TRANSPORT), "pure"),
    (
        ("bot.chatops.table", "bot.chatops.records", "bot.chatops.conditions"),
        (*OUTSIDE, "bot.storage"),
        "pure chat-ops",
    ),
    (("bot.text", "bot.commands"), (*OUTSIDE, "bot.storage", "bot.refresh", *TRANSPORT), "words"),
    (
        ("bot.core",),
        ("bot.storage", "bot.sources", "bot.refresh", "bot.analytics", "bot.answers", *TRANSPORT),
        "the core stands alone",
    ),
    (("bot.sources",), ("bot.storage", "redis", "bot.answers", *TRANSPORT), "sources know no bot"),
    (("bot.storage",), ("yfinance", "akshare", "bot.answers", *TRANSPORT), "storage is storage"),
    (("bot.refresh",), ("bot.answers", "bot.chatops", *TRANSPORT), "refresh sends nothing"),
    (("bot.answers",), TRANSPORT, "answers know no transport"),
    (
        ("bot.sandbox.localapi",),
        ("bot.core", "bot.storage", "bot.telegram", "handlers"),
        "sandbox",
    ),
]


@pytest.mark.parametrize(("prefixes", "forbidden", "why"), RULES, ids=[r[2] for r in RULES])
def test_a_layer_never_imports_what_it_must_not(
    prefixes: tuple[str, ...], forbidden: tuple[str, ...], why: str
) -> None:
    covered = [
        name for name in modules() if any(name == p or name.startswith(f"{p}.") for p in prefixes)
    ]
    assert covered, f"the rule '{why}' covers no module"
    broken = {name: reaches(name, forbidden) for name in covered}
    assert {name: found for name, found in broken.items() if found} == {}


def test_only_the_wiring_imports_the_handlers() -> None:
    importers = sorted(
        name
        for name in modules()
        if not name.startswith("handlers") and reaches(name, ("handlers",))
    )
    assert importers == ["bot.telegram.app"]


def test_the_checker_sees_a_forbidden_import_and_a_cycle() -> None:
    """The rules would fail on a real offence: the parser finds lazy imports and cycles."""
    assert "redis.asyncio" in reaches("bot.storage.connect", ("redis",))
    assert "bot.text.i18n" in imported("bot.core.errors")  # imported inside a function
    assert "bot.refresh" in graph()["bot.telegram.jobs"]
    looped = {
        "a": frozenset({"b"}),
        "b": frozenset({"c"}),
        "c": frozenset({"a"}),
        "d": frozenset(),
    }
    assert cycles(looped) == [["a", "b", "c"]]
