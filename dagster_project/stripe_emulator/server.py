"""The HTTP side: Stripe's authentication, parameter validation, idempotency keys and
error shapes in front of the store, plus fault injection and test controls."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dagster_project.stripe_emulator import api
from dagster_project.stripe_emulator.state import API_VERSION, Store, StripeFailure, new_id
from dagster_project.stripe_emulator.validation import ParamError, decode_form, validate


@dataclass
class Fault:
    kind: str  # "status", "drop" or "delay"
    match: str | None
    skip: int
    remaining: int
    status: int = 500
    seconds: float = 0.0

    def fires(self, request_line: str) -> bool:
        if self.remaining <= 0 or (self.match and not request_line.startswith(self.match)):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        self.remaining -= 1
        return True


class Emulation:
    """The store, the faults to inject and the request counters, behind one lock."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.faults: list[Fault] = []
        self.requests: list[str] = []

    def take_fault(self, request_line: str) -> Fault | None:
        with self.store.lock:
            self.requests.append(request_line)
            for fault in self.faults:
                if fault.fires(request_line):
                    return fault
        return None


_FAULT_ERRORS = {
    429: ("rate_limit_error", "Too many requests hit the API too quickly.", "rate_limit"),
    500: ("api_error", "An unknown error occurred on Stripe's servers.", None),
}


def _api_key(headers: Any) -> str | None:
    value = headers.get("Authorization", "")
    if value.startswith("Bearer "):
        return value[len("Bearer "):].strip() or None
    if value.startswith("Basic "):
        try:
            return base64.b64decode(value[len("Basic "):]).decode().split(":", 1)[0] or None
        except ValueError:
            return None
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body leave in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK hold every response back ~40 ms
    disable_nagle_algorithm = True
    server_version = "stripe-emulator"
    emulator: StripeEmulator  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: requests carry secrets in their headers, so nothing is logged."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing ---------------------------------------------------------------------
    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
              ) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Stripe-Version", API_VERSION)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        body = self._body()
        if split.path.startswith("/_emulator/"):
            self._control(method, split.path, body)
            return
        request_id = new_id("req")
        request_line = f"{method} {split.path}"
        fault = self.emulator.emulation.take_fault(request_line)
        if fault and fault.kind == "status":
            error_type, message, code = _FAULT_ERRORS[fault.status]
            self._send(fault.status, StripeFailure(fault.status, error_type, message,
                                                   code=code).body(request_id),
                       {"Request-Id": request_id})
            return
        status, response, headers = self._execute(method, split, body, request_id)
        if fault and fault.kind == "drop":
            self.close_connection = True  # applied, but the answer never leaves
            return
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        self._send(status, response, {"Request-Id": request_id, **headers})

    def _execute(self, method: str, split: Any, body: str, request_id: str
                 ) -> tuple[int, dict[str, Any], dict[str, str]]:
        store = self.emulator.emulation.store
        api_key = _api_key(self.headers)
        if not api_key:
            return 401, StripeFailure(401, "invalid_request_error",
                                      "You did not provide an API key.").body(request_id), {}
        if not api_key.startswith(("sk_test_", "rk_test_")):
            return 401, StripeFailure(401, "invalid_request_error",
                                      f"Invalid API Key provided: {api_key[:8]}****"
                                      ).body(request_id), {}
        matched = api.route(method, split.path)
        if matched is None:
            return 404, StripeFailure(
                404, "invalid_request_error",
                f"Unrecognized request URL ({method}: {split.path})."
            ).body(request_id), {}
        template, ids = matched
        try:
            params = validate(template, decode_form(body if method == "POST" else split.query))
        except ParamError as error:
            return 400, StripeFailure(400, "invalid_request_error", error.message,
                                      code=error.code, param=error.param
                                      ).body(request_id), {}
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        request = {"id": request_id, "idempotency_key": key}
        if key is None:
            with store.lock:
                return self._apply(template, params, ids, request)
        fingerprint = store.fingerprint(method, split.path, params)
        with store.lock:
            earlier = store.idempotent(api_key, key)
            if earlier is not None:
                if earlier.fingerprint != fingerprint:
                    return 400, StripeFailure(
                        400, "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request."
                    ).body(request_id), {}
                if earlier.status is None:
                    return 409, StripeFailure(
                        409, "idempotency_error",
                        "There is currently another in-progress request using this "
                        "Idempotent Key (that probably means you submitted twice, and the "
                        "other request is still going through): " + key
                        + ". Please try again later."
                    ).body(request_id), {}
                return earlier.status, earlier.body or {}, {"Idempotent-Replayed": "true",
                                                            "Idempotency-Key": key}
            result = store.remember(api_key, key, fingerprint)
            status, response, headers = self._apply(template, params, ids, request)
            result.status, result.body = status, response
        return status, response, {"Idempotency-Key": key, **headers}

    def _apply(self, template: str, params: dict[str, Any], ids: dict[str, str],
               request: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            return 200, api.ROUTES[template](self.emulator.emulation.store, params, ids,
                                             request), {}
        except StripeFailure as failure:
            return failure.status, failure.body(request["id"]), {}

    # -- test controls (no authentication; the emulator listens on 127.0.0.1) -----------
    def _control(self, method: str, path: str, body: str) -> None:
        parts = path.strip("/").split("/")[1:]
        payload = json.loads(body) if body else {}
        emulator = self.emulator
        try:
            if parts[:1] == ["invoices"] and len(parts) == 3 and method == "POST":
                action = {"pay": emulator.mark_paid, "payment_failed": emulator.fail_payment}
                self._send(200, action[parts[2]](parts[1]))
            elif parts == ["faults"] and method == "POST":
                kind = payload.pop("kind")
                {"status": emulator.fail_next, "drop": emulator.drop_response,
                 "delay": emulator.delay_response}[kind](*payload.pop("args", []), **payload)
                self._send(200, {"ok": True})
            elif parts == ["clock"] and method == "POST":
                emulator.advance_clock(int(payload["seconds"]))
                self._send(200, {"ok": True})
            elif parts == ["reset"] and method == "POST":
                emulator.reset()
                self._send(200, {"ok": True})
            elif parts == ["objects"] and method == "GET":
                self._send(200, {kind: emulator.objects(kind) for kind in emulator.KINDS})
            else:
                self._send(404, {"error": {"message": f"no control {method} {path}"}})
        except (KeyError, ValueError, TypeError, StripeFailure) as error:
            self._send(400, {"error": {"message": str(error)}})


class StripeEmulator:
    """A local, stateful, Stripe-compatible server; see the package docstring."""

    KINDS = ("customer", "invoiceitem", "invoice", "event")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 state_path: Path | None = None):
        """`state_path`: a JSON file the account is loaded from and saved to on stop,
        so that a Stripe account outlives the process (the demo's); None = in memory."""
        self.state_path = state_path
        store = None
        if state_path is not None and state_path.exists():
            store = Store.load(json.loads(state_path.read_text()))
        self.emulation = Emulation(store)
        handler = type("BoundHandler", (Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"

    def start(self) -> StripeEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="stripe-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.state_path is not None:
            with self.emulation.store.lock:
                state = json.dumps(self.emulation.store.dump())
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.state_path.with_suffix(".partial")
            partial.write_text(state)
            os.replace(partial, self.state_path)

    def __enter__(self) -> StripeEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ----------------------------------------------------------------------
    def _inject(self, fault: Fault) -> None:
        with self.emulation.store.lock:
            self.emulation.faults.append(fault)

    def fail_next(self, status: int, *, after: int = 0, match: str | None = None,
                  count: int = 1) -> None:
        """Answer the (after+1)-th matching request, and `count` in all, with a 500 or
        429 before applying anything."""
        if status not in _FAULT_ERRORS:
            raise ValueError(f"status {status} is not injectable (500 or 429)")
        self._inject(Fault("status", match, after, count, status=status))

    def drop_response(self, *, after: int = 0, match: str | None = None,
                      count: int = 1) -> None:
        """Apply the matching request, then close the connection without answering."""
        self._inject(Fault("drop", match, after, count))

    def delay_response(self, seconds: float, *, after: int = 0, match: str | None = None,
                       count: int = 1) -> None:
        """Apply the matching request, then wait `seconds` before answering."""
        self._inject(Fault("delay", match, after, count, seconds=seconds))

    # -- test controls ---------------------------------------------------------------
    def mark_paid(self, invoice_id: str) -> dict:
        store = self.emulation.store
        with store.lock:
            return api.pay_invoice(store, {"paid_out_of_band": False},
                                   {"invoice": invoice_id}, _control_request())

    def fail_payment(self, invoice_id: str) -> dict:
        store = self.emulation.store
        with store.lock:
            return api.fail_payment(store, invoice_id, _control_request())

    def advance_clock(self, seconds: int) -> None:
        with self.emulation.store.lock:
            self.emulation.store.clock_offset += seconds

    def request_count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """Requests received (faulted ones included), by method and path prefix."""
        with self.emulation.store.lock:
            lines = [line.split(" ", 1) for line in self.emulation.requests]
        return sum(1 for verb, path in lines
                   if (method is None or verb == method)
                   and (path_prefix is None or path.startswith(path_prefix)))

    def objects(self, kind: str) -> list[dict]:
        store = self.emulation.store
        with store.lock:
            return json.loads(json.dumps(sorted(store.objects[kind].values(),
                                                key=lambda obj: store.order[obj["id"]])))

    def reset(self) -> None:
        with self.emulation.store.lock:
            lock = self.emulation.store.lock
            self.emulation.store = Store(lock=lock)
            self.emulation.faults.clear()
            self.emulation.requests.clear()


def _control_request() -> dict[str, Any]:
    return {"id": None, "idempotency_key": None}
