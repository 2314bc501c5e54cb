"""Stripe's form encoding and request validation against the schemas derived from
Stripe's published OpenAPI spec (spec/request_schemas.json)."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

SCHEMAS = Path(__file__).with_name("spec") / "request_schemas.json"
_INTEGER = re.compile(r"^-?\d+$")
_KEY_PART = re.compile(r"\[([^\[\]]*)\]")


class ParamError(Exception):
    """A request parameter Stripe would refuse: (code, param, message)."""

    def __init__(self, code: str, param: str, message: str):
        super().__init__(message)
        self.code, self.param, self.message = code, param, message


@cache
def operations() -> dict[str, Any]:
    return json.loads(SCHEMAS.read_text())["operations"]


def decode_form(text: str) -> dict[str, Any]:
    """`a[b][c]=1&l[]=x&l[]=y&m[0]=z` -> {"a": {"b": {"c": "1"}}, "l": ["x", "y"],
    "m": {"0": "z"}} (indexed keys stay a mapping until the schema asks for an array)."""
    decoded: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head] + _KEY_PART.findall(key[len(head):])
        node: Any = decoded
        for part, following in zip(parts, parts[1:] + [None], strict=True):
            if following is None:
                if isinstance(node, list):
                    node.append(value)
                else:
                    node[part] = value
            elif following == "":
                node = node.setdefault(part, [])
            else:
                if isinstance(node, list):
                    node.append({})
                    node = node[-1]
                else:
                    node = node.setdefault(part, {})
    return decoded


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _check(value: Any, schema: dict[str, Any], param: str) -> Any:
    """The value coerced to the schema's types, or ParamError as Stripe words it."""
    if "anyOf" in schema:
        errors: list[tuple[bool, ParamError]] = []
        for option in schema["anyOf"]:
            try:
                return _check(value, option, param)
            except ParamError as error:
                errors.append((option.get("enum") == [""], error))
        # report against the real type, not the "" that unsets a field
        raise next((error for unset, error in errors if not unset), errors[0][1])
    kind = schema.get("type")
    if "enum" in schema:
        if value not in schema["enum"]:
            if schema["enum"] == [""]:
                raise ParamError("parameter_invalid_empty", param,
                                 f"Invalid {param}: must be an empty string")
            options = ", ".join(str(option) for option in schema["enum"])
            raise ParamError("parameter_invalid_string" if kind == "string" else "invalid_enum",
                             param, f"Invalid {param}: must be one of {options}")
        return value
    if kind == "integer":
        if not isinstance(value, str) or not _INTEGER.match(value):
            raise ParamError("parameter_invalid_integer", param,
                             f"Invalid integer: {_shown(value)}")
        return int(value)
    if kind == "number":
        try:
            if isinstance(value, str):
                return Decimal(value)
        except InvalidOperation:
            pass
        raise ParamError("parameter_invalid_number", param, f"Invalid decimal: {_shown(value)}")
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ParamError("parameter_invalid_boolean", param,
                             f"Invalid boolean: {_shown(value)}")
        return value == "true"
    if kind == "string":
        if not isinstance(value, str):
            raise ParamError("parameter_invalid_string", param,
                             f"Invalid string: {_shown(value)}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise ParamError("parameter_invalid_string", param,
                             f"Invalid string: {param} is longer than {schema['maxLength']}")
        return value
    if kind == "array":
        if isinstance(value, dict) and all(key.isdigit() for key in value):
            value = [value[key] for key in sorted(value, key=int)]
        if not isinstance(value, list):
            raise ParamError("parameter_invalid_array", param,
                             f"Invalid array: {_shown(value)}")
        items = schema.get("items", {})
        return [_check(item, items, f"{param}[{n}]") for n, item in enumerate(value)]
    if kind == "object":
        return check_object(value, schema, param)
    return value


def check_object(value: Any, schema: dict[str, Any], param: str | None = None) -> dict:
    if not isinstance(value, dict):
        raise ParamError("parameter_invalid_object", param or "",
                         f"Invalid object: {_shown(value)}")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    checked: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{param}[{key}]" if param else key
        if key in properties:
            checked[key] = _check(item, properties[key], name)
        elif isinstance(extra, dict):
            checked[key] = _check(item, extra, name)
        else:
            raise ParamError("parameter_unknown", name, f"Received unknown parameter: {name}")
    for key in schema.get("required", []):
        if key not in value:
            name = f"{param}[{key}]" if param else key
            raise ParamError("parameter_missing", name, f"Missing required param: {name}.")
    return checked


def validate(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The request's parameters typed per the spec of `operation` ("POST /v1/invoices")."""
    return check_object(params, operations()[operation])
