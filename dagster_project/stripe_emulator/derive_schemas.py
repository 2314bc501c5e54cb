"""Derive the request schemas of the endpoints the emulator serves from Stripe's published
OpenAPI spec, and write them to spec/request_schemas.json (committed with the code).

    python -m dagster_project.stripe_emulator.derive_schemas path/to/spec3-2023-08-16.yaml

Only this script reads the spec; the emulator reads the derived JSON. References are
resolved and documentation fields dropped, so the file holds just what validation needs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OUTPUT = Path(__file__).with_name("spec") / "request_schemas.json"
API_VERSION = "2023-08-16"

OPERATIONS = [
    ("GET", "/v1/customers"),
    ("POST", "/v1/customers"),
    ("GET", "/v1/customers/search"),
    ("GET", "/v1/customers/{customer}"),
    ("GET", "/v1/invoiceitems"),
    ("POST", "/v1/invoiceitems"),
    ("GET", "/v1/invoiceitems/{invoiceitem}"),
    ("DELETE", "/v1/invoiceitems/{invoiceitem}"),
    ("GET", "/v1/invoices"),
    ("POST", "/v1/invoices"),
    ("GET", "/v1/invoices/search"),
    ("GET", "/v1/invoices/{invoice}"),
    ("DELETE", "/v1/invoices/{invoice}"),
    ("POST", "/v1/invoices/{invoice}/finalize"),
    ("POST", "/v1/invoices/{invoice}/pay"),
    ("POST", "/v1/invoices/{invoice}/void"),
    ("POST", "/v1/invoices/{invoice}/mark_uncollectible"),
    ("GET", "/v1/events"),
    ("GET", "/v1/events/{id}"),
]

_KEPT = {"type", "properties", "items", "anyOf", "enum", "required", "additionalProperties",
         "maxLength", "format", "nullable"}


def _resolve(node: Any, spec: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target, spec)
        return {
            key: (_resolve(value, spec) if key in ("items", "anyOf", "additionalProperties")
                  else {name: _resolve(prop, spec) for name, prop in value.items()}
                  if key == "properties" else value)
            for key, value in node.items() if key in _KEPT
        }
    if isinstance(node, list):
        return [_resolve(item, spec) for item in node]
    return node


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for method, path in OPERATIONS:
        operation = spec["paths"][path][method.lower()]
        params: dict[str, Any] = {"type": "object", "properties": {}, "required": [],
                                  "additionalProperties": False}
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                params["properties"][parameter["name"]] = _resolve(parameter["schema"], spec)
                if parameter.get("required"):
                    params["required"].append(parameter["name"])
        body = (operation.get("requestBody", {}).get("content", {})
                .get("application/x-www-form-urlencoded", {}).get("schema"))
        if body:
            body = _resolve(body, spec)
            params["properties"].update(body.get("properties", {}))
            params["required"] += body.get("required", [])
        operations[f"{method} {path}"] = params
    return {
        "source": "https://github.com/stripe/openapi (spec3.yaml, API version "
                  f"{API_VERSION}); MIT licence, see LICENSE",
        "api_version": API_VERSION,
        "operations": operations,
    }


def main(argv: list[str]) -> int:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(Path(argv[0]).read_text(), Loader=loader)
    OUTPUT.write_text(json.dumps(derive(spec), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
