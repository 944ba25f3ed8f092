"""Bot API method spec: loading it, decoding fields by their declared type, rejecting bad ones."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.sandbox.localapi._errors import bad_request

logger = logging.getLogger(__name__)

PACKAGED_SPEC = Path(__file__).with_name("bot_api_methods.json")
# The full machine-readable spec lives beside the repo on development machines only.
SHARED_SPEC = Path(__file__).resolve().parents[4] / "shared" / "telegram" / "api.json"

_RESULT = "InlineQueryResult"
# Object types checked field by field: what answerInlineQuery carries, and keyboard buttons.
_CHECKED_TYPE_ROOTS = (
    _RESULT,
    "InputTextMessageContent",
    "InlineQueryResultsButton",
    "InlineKeyboardButton",
)
_KIND = re.compile(r"must be (\w+)")
_SCALARS = {"String", "Integer", "Float", "Boolean", "InputFile"}
_TRUE = {"true", "1", "True"}
_FALSE = {"false", "0", "False"}
# Friendlier wording Telegram itself uses for a few required fields.
_MISSING_WORDING = {
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "chat_id": "chat_id is empty",
}


@dataclass(frozen=True)
class FieldSpec:
    """One declared method parameter."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def accepts_file(self) -> bool:
        """Whether the field may be sent as a multipart upload."""
        return "InputFile" in self.types


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method and its parameters."""

    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    """One Bot API object type the server checks field by field (inline query results)."""

    name: str
    fields: Mapping[str, FieldSpec]
    kind: str | None
    """The value its `type` field must hold ("article", "photo"), when it has one."""


@dataclass(frozen=True)
class ApiSpec:
    """The set of Bot API methods the local server recognises."""

    version: str
    methods: Mapping[str, MethodSpec]
    types: Mapping[str, TypeSpec] = field(default_factory=dict)

    def result_types(self, kind: str) -> list[TypeSpec]:
        """The InlineQueryResult types whose `type` is `kind` (photo: by URL and cached)."""
        return [t for t in self.types.values() if t.kind == kind and t.name.startswith(_RESULT)]

    def lookup(self, name: str) -> MethodSpec | None:
        """Find a method; Telegram matches method names case-insensitively."""
        found = self.methods.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        for method in self.methods.values():
            if method.name.lower() == lowered:
                return method
        return None


def _is_newer_than_ptb(type_name: str) -> bool:
    # python-telegram-bot 22.8 speaks Bot API 10.0; 10.1's rich messages would otherwise look
    # like parameters the bot forgot to send.
    return "Rich" in type_name


def _compact_fields(declared: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": f["name"], "types": list(f["types"]), "required": bool(f["required"])}
        for f in declared
        if not any(_is_newer_than_ptb(t) for t in f["types"])
    ]


def _kind_of(declared: list[Mapping[str, Any]]) -> str | None:
    """The value a result's `type` field must hold, read from its description."""
    for f in declared:
        if f["name"] == "type":
            found = _KIND.search(str(f.get("description", "")))
            return found.group(1) if found else None
    return None


def compact_spec(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Reduce a full api.json document to method names, field names, types and required flags,
    plus the object types answerInlineQuery carries (already compact in the packaged copy)."""
    methods: dict[str, Any] = {}
    for name, method in sorted(raw["methods"].items()):
        if _is_newer_than_ptb(name):
            continue
        methods[name] = {
            "returns": list(method.get("returns", [])),
            "fields": _compact_fields(method.get("fields", [])),
        }
    types: dict[str, Any] = {}
    for name, declared in sorted(raw.get("types", {}).items()):
        if not name.startswith(_CHECKED_TYPE_ROOTS) or not declared.get("fields"):
            continue
        kind = declared["kind"] if "kind" in declared else _kind_of(declared["fields"])
        types[name] = {"kind": kind, "fields": _compact_fields(declared["fields"])}
    return {
        "version": raw.get("version", "unknown"),
        "release_date": raw.get("release_date", ""),
        "methods": methods,
        "types": types,
    }


def spec_from_document(raw: Mapping[str, Any]) -> ApiSpec:
    """Build an ApiSpec from either the full api.json or the packaged compact copy."""
    compact = compact_spec(raw)
    methods = {
        name: MethodSpec(
            name=name,
            fields={
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), f["required"])
                for f in method["fields"]
            },
            returns=tuple(method["returns"]),
        )
        for name, method in compact["methods"].items()
    }
    types = {
        name: TypeSpec(
            name=name,
            fields={
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), f["required"])
                for f in declared["fields"]
            },
            kind=declared["kind"],
        )
        for name, declared in compact["types"].items()
    }
    return ApiSpec(version=str(compact["version"]), methods=methods, types=types)


def load_spec(path: Path | str | None = None) -> ApiSpec:
    """Load the spec from `path`, else the shared full spec if present, else the packaged copy."""
    if path is None:
        path = SHARED_SPEC if SHARED_SPEC.is_file() else PACKAGED_SPEC
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    spec = spec_from_document(raw)
    logger.debug("Loaded %s (%d methods) from %s", spec.version, len(spec.methods), path)
    return spec


def _decode_scalar(field: FieldSpec, value: str) -> Any:
    types = field.types
    if "Integer" in types:
        try:
            return int(value)
        except ValueError:
            if "String" in types:
                return value
            raise bad_request(f'field "{field.name}" must be an Integer') from None
    if "Float" in types:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f'field "{field.name}" must be a Float') from None
    if "Boolean" in types:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise bad_request(f'field "{field.name}" must be a Boolean')
    return value


def decode_value(field: FieldSpec, value: Any) -> Any:
    """Turn one raw (form-encoded string or JSON) value into the Python value its type declares."""
    if not isinstance(value, str):
        # JSON request bodies already carry typed values.
        return value
    if value.startswith("attach://") and field.accepts_file:
        return value
    scalar_types = set(field.types) & (_SCALARS - {"InputFile"})
    structured = any(t not in _SCALARS for t in field.types)
    if structured and (not scalar_types or value[:1] in "[{"):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {field.name} JSON object") from None
    return _decode_scalar(field, value)


def attach_references(value: Any) -> Iterator[str]:
    """Yield every multipart part name referenced as attach://name inside a decoded value."""
    if isinstance(value, str):
        if value.startswith("attach://"):
            yield value.removeprefix("attach://")
    elif isinstance(value, dict):
        for item in value.values():
            yield from attach_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from attach_references(item)


def validate_request(
    method: MethodSpec, raw: Mapping[str, Any], files: Mapping[str, bytes]
) -> dict[str, Any]:
    """Decode raw parameters and reject unknown, missing or malformed ones like Telegram would."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        field = method.fields.get(name)
        if field is None:
            raise bad_request(
                f'unknown parameter "{name}" for method {method.name} '
                "(the local Bot API server rejects parameters outside the spec)"
            )
        params[name] = decode_value(field, value)
    referenced = {ref for value in params.values() for ref in attach_references(value)}
    for part in files:
        field = method.fields.get(part)
        if part in referenced or (field is not None and field.accepts_file):
            continue
        raise bad_request(f'unknown file part "{part}" for method {method.name}')
    for missing in referenced - set(files):
        raise bad_request(f'file "{missing}" referenced via attach:// was not uploaded')
    for field in method.fields.values():
        if not field.required:
            continue
        value = params.get(field.name)
        if (value is None or value == "") and field.name not in files:
            raise bad_request(_MISSING_WORDING.get(field.name, f"{field.name} is empty"))
    return params


def check_fields(shape: TypeSpec, value: Mapping[str, Any]) -> None:
    """Reject fields the type does not declare and required ones left out or empty."""
    for name in value:
        if name not in shape.fields:
            raise bad_request(f'can\'t parse {shape.name}: unknown field "{name}"')
    for declared in shape.fields.values():
        if declared.required and value.get(declared.name) in (None, ""):
            raise bad_request(f'can\'t parse {shape.name}: field "{declared.name}" is required')
