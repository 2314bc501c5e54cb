"""The emulator's Stripe: customers, invoice items, invoices and events, with Stripe's
rules for the invoice lifecycle, list pagination, search and idempotency keys."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "2023-08-16"
IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600
_ALPHABET = string.ascii_letters + string.digits
_CLAUSE = re.compile(
    r"""^\s*(?:metadata\[(['"])(?P<key>.+?)\1\]|(?P<field>[a-z_]+))\s*:\s*
        (?:(['"])(?P<quoted>(?:\\.|(?!\4).)*)\4|(?P<bare>\S+))\s*$""",
    re.VERBOSE,
)


class StripeFailure(Exception):
    """An API error as Stripe returns it."""

    def __init__(self, status: int, type_: str, message: str, *, code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = (
            status, type_, message, code, param)

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message,
                                 "request_log_url":
                                     f"https://dashboard.stripe.com/test/logs/{request_id}"}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(kind: str, object_id: str, param: str | None = None) -> StripeFailure:
    return StripeFailure(404, "invalid_request_error", f"No such {kind}: '{object_id}'",
                         code="resource_missing", param=param)


def invalid(message: str, param: str | None = None) -> StripeFailure:
    return StripeFailure(400, "invalid_request_error", message, param=param)


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(24))


@dataclass
class IdempotentResult:
    fingerprint: str
    created: float
    status: int | None = None  # None while the first request runs
    body: dict[str, Any] | None = None


@dataclass
class Store:
    """All objects, in creation order, and the idempotency keys seen."""

    clock_offset: float = 0.0
    sequence: int = 0
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {
        "customer": {}, "invoiceitem": {}, "invoice": {}, "event": {}})
    order: dict[str, int] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotentResult] = field(default_factory=dict)
    invoice_numbers: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- time and identity -----------------------------------------------------------
    def now(self) -> int:
        return int(time.time() + self.clock_offset)

    def add(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.sequence += 1
        self.order[obj["id"]] = self.sequence
        self.objects[kind][obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: str, param: str | None = None) -> dict[str, Any]:
        obj = self.objects[kind].get(object_id)
        if obj is None:
            raise missing(kind, object_id, param)
        return obj

    def emit(self, event_type: str, obj: dict[str, Any], request: dict[str, Any]) -> None:
        self.add("event", {
            "id": new_id("evt"), "object": "event", "api_version": API_VERSION,
            "created": self.now(), "data": {"object": copy.deepcopy(obj)},
            "livemode": False, "pending_webhooks": 0, "request": request,
            "type": event_type,
        })

    # -- idempotency -----------------------------------------------------------------
    @staticmethod
    def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
        canonical = json.dumps([method, path, params], sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def idempotent(self, api_key: str, key: str) -> IdempotentResult | None:
        scope = (hashlib.sha256(api_key.encode()).hexdigest(), key)
        result = self.idempotency.get(scope)
        if result and time.time() + self.clock_offset - result.created \
                > IDEMPOTENCY_WINDOW_SECONDS:
            del self.idempotency[scope]
            return None
        return result

    def remember(self, api_key: str, key: str, fingerprint: str) -> IdempotentResult:
        scope = (hashlib.sha256(api_key.encode()).hexdigest(), key)
        result = IdempotentResult(fingerprint, time.time() + self.clock_offset)
        self.idempotency[scope] = result
        return result

    # -- persistence (the demo keeps its Stripe account between runs) ------------------
    def dump(self) -> dict[str, Any]:
        return {
            "clock_offset": self.clock_offset, "sequence": self.sequence,
            "invoice_numbers": self.invoice_numbers, "objects": self.objects,
            "order": self.order,
            "idempotency": [[scope, key, result.fingerprint, result.created, result.status,
                             result.body] for (scope, key), result in self.idempotency.items()
                            if result.status is not None],
        }

    @classmethod
    def load(cls, state: dict[str, Any], lock: threading.RLock | None = None) -> Store:
        store = cls(lock=lock or threading.RLock())
        store.clock_offset, store.sequence = state["clock_offset"], state["sequence"]
        store.invoice_numbers = state["invoice_numbers"]
        store.objects, store.order = state["objects"], state["order"]
        store.idempotency = {
            (scope, key): IdempotentResult(fingerprint, created, status, body)
            for scope, key, fingerprint, created, status, body in state["idempotency"]
        }
        return store

    # -- lists and search --------------------------------------------------------------
    def listing(self, kind: str, params: dict[str, Any], url: str,
                keep=lambda obj: True) -> dict[str, Any]:
        """Stripe's list: newest first, `limit` (default 10, at most 100),
        `starting_after` / `ending_before` cursors, `created` filters."""
        limit = params.get("limit", 10)
        if not 1 <= limit <= 100:
            raise invalid("This value must be between 1 and 100.", "limit")
        items = sorted((obj for obj in self.objects[kind].values()
                        if keep(obj) and _created_matches(obj, params.get("created"))),
                       key=lambda obj: -self.order[obj["id"]])
        ids = [obj["id"] for obj in items]
        if "starting_after" in params:
            cursor = params["starting_after"]
            if cursor not in ids:
                raise missing(kind, cursor, "starting_after")
            items = items[ids.index(cursor) + 1:]
            page = items[:limit]
            has_more = len(items) > limit
        elif "ending_before" in params:
            cursor = params["ending_before"]
            if cursor not in ids:
                raise missing(kind, cursor, "ending_before")
            items = items[:ids.index(cursor)]
            page = items[-limit:]
            has_more = len(items) > limit
        else:
            page = items[:limit]
            has_more = len(items) > limit
        return {"object": "list", "data": copy.deepcopy(page), "has_more": has_more,
                "url": url}

    def search(self, kind: str, params: dict[str, Any], url: str) -> dict[str, Any]:
        clauses = _parse_query(params["query"])
        limit = params.get("limit", 10)
        if not 1 <= limit <= 100:
            raise invalid("This value must be between 1 and 100.", "limit")
        matches = [obj for obj in sorted(self.objects[kind].values(),
                                         key=lambda obj: -self.order[obj["id"]])
                   if all(_clause_matches(obj, clause) for clause in clauses)]
        start = int(params.get("page") or 0)
        page = matches[start:start + limit]
        more = start + limit < len(matches)
        return {"object": "search_result", "data": copy.deepcopy(page), "has_more": more,
                "next_page": str(start + limit) if more else None, "url": url,
                "total_count": len(matches)}


def _created_matches(obj: dict[str, Any], created: Any) -> bool:
    if created is None:
        return True
    if isinstance(created, int):
        return obj["created"] == created
    checks = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
    return all(checks[op](obj["created"], bound) for op, bound in created.items())


def _parse_query(query: str) -> list[tuple[str | None, str | None, str]]:
    clauses = []
    for text in re.split(r"\s+AND\s+", query.strip()):
        match = _CLAUSE.match(text)
        if not match:
            raise invalid(f"Invalid search query: {query}", "query")
        value = match["quoted"] if match["quoted"] is not None else match["bare"]
        clauses.append((match["key"], match["field"], re.sub(r"\\(.)", r"\1", value)))
    return clauses


def _clause_matches(obj: dict[str, Any], clause: tuple[str | None, str | None, str]) -> bool:
    key, field_name, value = clause
    if key is not None:
        return (obj.get("metadata") or {}).get(key) == value
    return str(obj.get(field_name)) == value
