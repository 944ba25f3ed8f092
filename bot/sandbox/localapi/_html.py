"""Telegram's HTML parse mode: turn marked-up text into visible text and MessageEntity dicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.localapi._errors import ApiError, bad_request

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_SPECIAL = re.compile(r"[&<>]")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(r"\s*([a-zA-Z0-9_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit MessageEntity offsets are measured in."""
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


@dataclass
class _OpenTag:
    name: str
    start: int
    attributes: dict[str, str]
    byte_offset: int
    language: str | None = None
    children_language: list[str] = field(default_factory=list)


class _HtmlParser:
    def __init__(self, source: str, *, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.chunks: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.chunks.append(text)
        self.length += utf16_len(text)

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        source = self.source
        index = 0
        while index < len(source):
            char = source[index]
            if char == "&":
                index = self.read_entity(index)
            elif char == "<":
                index = self.read_tag(index)
            elif char == ">":
                if self.strict:
                    raise _parse_error(
                        "Character '>' is reserved and must be escaped with &gt; "
                        f"at byte offset {self.byte_offset(index)}"
                    )
                self.emit(char)
                index += 1
            else:
                special = _SPECIAL.search(source, index)
                end = len(source) if special is None else special.start()
                self.emit(source[index:end])
                index = end
        if self.stack:
            raise _parse_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.chunks), self.entities

    def read_entity(self, index: int) -> int:
        match = _ENTITY.match(self.source, index)
        if match is None:
            if self.strict:
                raise _parse_error(
                    "Character '&' is reserved and must be escaped with &amp; "
                    f"at byte offset {self.byte_offset(index)}"
                )
            self.emit("&")
            return index + 1
        self.emit(_decode_entity(match.group(1)))
        return match.end()

    def read_tag(self, index: int) -> int:
        if self.source.startswith("</", index):
            return self.read_end_tag(index)
        offset = self.byte_offset(index)
        name_match = _TAG_NAME.match(self.source, index + 1)
        assert name_match is not None  # the pattern also matches the empty string
        name = name_match.group(0).lower()
        if name not in _SIMPLE_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        position = name_match.end()
        attributes: dict[str, str] = {}
        while True:
            if position >= len(self.source):
                raise _parse_error(f'Unclosed start tag "{name}" at byte offset {offset}')
            if self.source[position] == ">":
                break
            attribute = _ATTRIBUTE.match(self.source, position)
            if attribute is None or attribute.end() == position:
                if self.source[position].isspace():
                    position += 1
                    continue
                raise _parse_error(
                    f'Unexpected character in the tag "{name}" at byte offset '
                    f"{self.byte_offset(position)}"
                )
            value = next((v for v in attribute.group(2, 3, 4) if v is not None), "")
            attributes[attribute.group(1).lower()] = _decode_attribute(value)
            position = attribute.end()
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise _parse_error(
                f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {offset}'
            )
        self.stack.append(_OpenTag(name, self.length, attributes, offset))
        return position + 1

    def read_end_tag(self, index: int) -> int:
        offset = self.byte_offset(index)
        close = self.source.find(">", index)
        if close == -1:
            raise _parse_error(f"Unclosed end tag at byte offset {offset}")
        name = self.source[index + 2 : close].strip().lower()
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {offset}")
        opened = self.stack[-1]
        if name != opened.name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self.close(opened)
        return close + 1

    def close(self, tag: _OpenTag) -> None:
        length = self.length - tag.start
        kind = _SIMPLE_TAGS[tag.name]
        entity: dict[str, Any] = {"type": kind, "offset": tag.start, "length": length}
        if kind == "code":
            language = tag.attributes.get("class", "")
            parent = self.stack[-1] if self.stack else None
            if parent is not None and parent.name == "pre":
                # <pre><code class="language-x"> is how Telegram spells a pre block's language.
                if language.startswith("language-"):
                    parent.children_language.append(language.removeprefix("language-"))
                return
        elif kind == "pre" and tag.children_language:
            entity["language"] = tag.children_language[0]
        elif kind == "text_link":
            url = tag.attributes.get("href")
            if not url:
                return
            entity["url"] = url
        elif kind == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = tag.attributes["emoji-id"]
        if length > 0:
            self.entities.append(entity)


def _decode_entity(body: str) -> str:
    if body in _NAMED:
        return _NAMED[body]
    code = int(body[2:], 16) if body.startswith("#x") else int(body[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _decode_attribute(value: str) -> str:
    return _ENTITY.sub(lambda m: _decode_entity(m.group(1)), value)


def parse_html(source: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return (visible text, entities) or raise a "can't parse" ApiError.

    With `strict`, a bare '&' or '>' is rejected as Telegram's docs require; tdlib itself
    tolerates them, but a bot that relies on that is one stray '<' away from a failure.
    """
    return _HtmlParser(source, strict=strict).parse()


def parse_formatted(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None, *, strict: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Resolve text + parse_mode/entities into visible text and entities like Telegram does."""
    if parse_mode is None or parse_mode == "":
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text, strict=strict)
    if mode in {"markdown", "markdownv2"}:
        # Markdown is not modelled; the text is taken as-is so such bots still run locally.
        return text, []
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")
