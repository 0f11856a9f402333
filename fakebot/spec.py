"""The machine-readable Bot API spec (fakebot/data/telegram-bot-api.json) and what the fake does with it.

The spec lists every method with its parameters (name, types, required) and every type with its
fields.  The fake uses it to reject unknown methods, to report missing required parameters, to
decode parameters that arrive as strings (form data) and, in tests, to check that every object it
emits has the fields Telegram's objects have.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fakebot.errors import bad_request

SPEC_PATH = Path(__file__).resolve().parent / "data" / "telegram-bot-api.json"

_SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})
_INTEGER = re.compile(r"^-?[0-9]+$")


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def is_json(self) -> bool:
        """True when the value is an object or an array, sent JSON-serialized in form data."""
        return any(t not in _SCALARS for t in self.types)


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    """One Bot API type; ``subtypes`` is set for unions such as ChatMember."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]


class BotApiSpec:
    """Lookup over the spec; method names are case-insensitive like Telegram's."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", ""))
        self.methods: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            fields = {f["name"]: _field(f) for f in method.get("fields", [])}
            self.methods[name.lower()] = MethodSpec(name, fields, tuple(method.get("returns", [])))
        self.types: dict[str, TypeSpec] = {}
        for name, type_ in raw["types"].items():
            fields = {f["name"]: _field(f) for f in type_.get("fields", [])}
            self.types[name] = TypeSpec(name, fields, tuple(type_.get("subtypes", [])))

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name`` (any letter case), or None."""
        return self.methods.get(name.lower())

    def conformance_problems(self, type_name: str, value: object, path: str = "") -> list[str]:
        """Differences between ``value`` and the spec's ``type_name``: missing required fields,
        unknown fields and wrong scalar types, searched recursively.  Empty when it conforms."""
        where = path or type_name
        spec = self.types.get(type_name)
        if spec is None:
            return [f"{where}: unknown type {type_name}"]
        if spec.subtypes:
            attempts = [self.conformance_problems(sub, value, path) for sub in spec.subtypes]
            best = min(attempts, key=len)
            return best
        if not isinstance(value, dict):
            return [f"{where}: expected an object of type {type_name}"]
        problems: list[str] = []
        for field in spec.fields.values():
            if field.required and field.name not in value:
                problems.append(f"{where}: missing required field {field.name}")
        for key, item in value.items():
            field_spec = spec.fields.get(key)
            if field_spec is None:
                problems.append(f"{where}: unknown field {key}")
                continue
            problems.extend(self._value_problems(field_spec.types, item, f"{where}.{key}"))
        return problems

    def _value_problems(self, types: tuple[str, ...], value: object, path: str) -> list[str]:
        attempts: list[list[str]] = []
        for type_name in types:
            problems = self._one_type_problems(type_name, value, path)
            if not problems:
                return []
            attempts.append(problems)
        return min(attempts, key=len) if attempts else []

    def _one_type_problems(self, type_name: str, value: object, path: str) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}"]
            inner = type_name[len("Array of ") :]
            return [
                p
                for i, item in enumerate(value)
                for p in self._one_type_problems(inner, item, f"{path}[{i}]")
            ]
        if type_name == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif type_name == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif type_name == "String":
            ok = isinstance(value, str)
        elif type_name == "Boolean":
            ok = isinstance(value, bool)
        elif type_name == "InputFile":
            ok = True
        else:
            return self.conformance_problems(type_name, value, path)
        return [] if ok else [f"{path}: expected {type_name}, got {type(value).__name__}"]


def _field(raw: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(str(raw["name"]), tuple(raw.get("types", [])), bool(raw.get("required", False)))


@cache
def load_spec() -> BotApiSpec:
    """The spec bundled with the package (parsed once)."""
    return BotApiSpec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))


def _coerce(field: FieldSpec, value: object) -> object:
    types = set(field.types)
    if isinstance(value, str):
        if field.is_json and "String" not in types and "InputFile" not in types:
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {field.name} JSON object") from None
        if "String" in types or "InputFile" in types:
            if "Integer" in types and _INTEGER.match(value):
                return int(value)
            return value
        if "Integer" in types:
            if _INTEGER.match(value):
                return int(value)
            raise bad_request(f'field "{field.name}" must be of type Integer')
        if "Float" in types:
            try:
                return float(value)
            except ValueError:
                raise bad_request(f'field "{field.name}" must be of type Float') from None
        if "Boolean" in types:
            lowered = value.lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0", ""):
                return False
            raise bad_request(f'field "{field.name}" must be of type Boolean')
        return value
    if isinstance(value, bool):
        if "Boolean" in types:
            return value
        if "String" in types:
            return "true" if value else "false"
        raise bad_request(f'field "{field.name}" must be of type {" or ".join(field.types)}')
    if isinstance(value, int | float):
        if "Integer" in types and isinstance(value, int):
            return value
        if "Float" in types:
            return value
        if "Boolean" in types and value in (0, 1):
            return bool(value)
        if "String" in types:
            return str(value)
        if "Integer" in types and float(value).is_integer():
            return int(value)
        raise bad_request(f'field "{field.name}" must be of type {" or ".join(field.types)}')
    if isinstance(value, dict | list) and not field.is_json:
        raise bad_request(f'field "{field.name}" must be of type {" or ".join(field.types)}')
    return value


def coerce_params(method: MethodSpec, params: Mapping[str, object]) -> dict[str, object]:
    """Decode parameters (form-data strings or JSON values) to the types the spec gives them.

    Parameters the spec does not list are kept as they are (Telegram ignores them).
    """
    decoded: dict[str, object] = {}
    for name, value in params.items():
        field = method.fields.get(name)
        decoded[name] = value if field is None or value is None else _coerce(field, value)
    return decoded
