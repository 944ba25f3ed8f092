"""The spec loader, the packaged trimmed spec, and Telegram-HTML parsing as pure functions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.localapi import ApiError, load_spec, parse_html
from bot.sandbox.localapi._spec import PACKAGED_SPEC, SHARED_SPEC, compact_spec

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_packaged_spec_loads_without_the_shared_copy() -> None:
    spec = load_spec(PACKAGED_SPEC)
    assert spec.version.startswith("Bot API")
    send = spec.lookup("sendmessage")
    assert send is not None
    assert send.fields["chat_id"].required
    # PTB 22.8 speaks Bot API 10.0, so 10.1's rich messages are left out.
    assert spec.lookup("sendRichMessage") is None
    edit = spec.lookup("editMessageText")
    assert edit is not None
    assert "rich_message" not in edit.fields


@pytest.mark.skipif(not SHARED_SPEC.is_file(), reason="shared api.json only on dev machines")
def test_packaged_spec_is_up_to_date_with_the_shared_spec() -> None:
    shared = compact_spec(json.loads(SHARED_SPEC.read_text(encoding="utf-8")))
    packaged = json.loads(PACKAGED_SPEC.read_text(encoding="utf-8"))
    assert packaged == shared


@pytest.mark.skipif(not SHARED_SPEC.is_file(), reason="shared api.json only on dev machines")
def test_trim_script_writes_a_loadable_compact_spec(tmp_path: Path) -> None:
    target = tmp_path / "methods.json"
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "trim_bot_api_spec.py"),
            str(SHARED_SPEC),
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    assert load_spec(target).methods.keys() == load_spec(SHARED_SPEC).methods.keys()


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("plain", "plain", []),
        ("<b>a</b>b", "ab", [{"type": "bold", "offset": 0, "length": 1}]),
        ("<B>a</B>", "a", [{"type": "bold", "offset": 0, "length": 1}]),
        ("📈<i>x</i>", "📈x", [{"type": "italic", "offset": 2, "length": 1}]),
        (
            '<a href="https://t.me/x?a=1&amp;b=2">l</a>',
            "l",
            [{"type": "text_link", "offset": 0, "length": 1, "url": "https://t.me/x?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-py">x</code></pre>',
            "x",
            [{"type": "pre", "offset": 0, "length": 1, "language": "py"}],
        ),
        ("<code>&lt;b&gt;</code>", "<b>", [{"type": "code", "offset": 0, "length": 3}]),
        (
            "<b>a<i>b</i></b>",
            "ab",
            [
                {"type": "bold", "offset": 0, "length": 2},
                {"type": "italic", "offset": 1, "length": 1},
            ],
        ),
    ],
)
def test_parse_html_produces_visible_text_and_utf16_entities(
    html: str, text: str, entities: list[dict[str, object]]
) -> None:
    assert parse_html(html) == (text, entities)


def test_lenient_mode_keeps_bare_ampersands_like_tdlib() -> None:
    assert parse_html("AT&T > 1", strict=False) == ("AT&T > 1", [])


def test_byte_offsets_in_errors_count_utf8_bytes() -> None:
    with pytest.raises(ApiError, match="byte offset 5"):
        parse_html("é é<x>")
