"""The endpoints: each takes the store, the validated parameters, the path's ids and the
request (id, idempotency key) and returns the response object, as Stripe does."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from dagster_project.stripe_emulator.state import (
    Store,
    StripeFailure,
    invalid,
    missing,
    new_id,
)

Handler = Callable[[Store, dict[str, Any], dict[str, str], dict[str, Any]], dict[str, Any]]


def _copy(obj: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(obj)


# -- customers ------------------------------------------------------------------------

def create_customer(store: Store, params, ids, request) -> dict[str, Any]:
    customer = store.add("customer", {
        "id": new_id("cus"), "object": "customer",
        "address": params.get("address") or None, "balance": params.get("balance", 0),
        "created": store.now(), "currency": None, "default_source": None,
        "delinquent": False, "description": params.get("description"), "discount": None,
        "email": params.get("email"), "invoice_prefix": new_id("x")[2:10].upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False, "metadata": params.get("metadata") or {},
        "name": params.get("name"), "next_invoice_sequence": 1, "phone": params.get("phone"),
        "preferred_locales": params.get("preferred_locales") or [], "shipping": None,
        "tax_exempt": params.get("tax_exempt") or "none", "test_clock": None,
    })
    store.emit("customer.created", customer, request)
    return _copy(customer)


def retrieve(kind: str) -> Handler:
    def handler(store: Store, params, ids, request) -> dict[str, Any]:
        return _copy(store.get(kind, next(iter(ids.values()))))
    return handler


def list_customers(store: Store, params, ids, request) -> dict[str, Any]:
    return store.listing("customer", params, "/v1/customers",
                         lambda c: "email" not in params or c["email"] == params["email"])


def search(kind: str, url: str) -> Handler:
    def handler(store: Store, params, ids, request) -> dict[str, Any]:
        return store.search(kind, params, url)
    return handler


# -- invoice items ----------------------------------------------------------------------

def create_invoice_item(store: Store, params, ids, request) -> dict[str, Any]:
    customer = store.get("customer", params["customer"], "customer")
    invoice = None
    if params.get("invoice"):
        invoice = store.get("invoice", params["invoice"], "invoice")
        if invoice["customer"] != customer["id"]:
            raise invalid("The invoice belongs to another customer.", "invoice")
        if invoice["status"] != "draft":
            raise invalid(f"Invoice {invoice['id']} is not a draft: invoice items can only "
                          "be added to draft invoices.", "invoice")
    quantity = params.get("quantity", 1)
    if "amount" in params:
        if "unit_amount" in params or "unit_amount_decimal" in params:
            raise invalid("You may only specify one of these parameters: amount, "
                          "unit_amount.", "amount")
        amount = params["amount"]
        unit_amount = amount // quantity if quantity else amount
    elif "unit_amount" in params:
        unit_amount = params["unit_amount"]
        amount = unit_amount * quantity
    else:
        raise StripeFailure(400, "invalid_request_error", "Missing required param: amount.",
                            code="parameter_missing", param="amount")
    if "currency" not in params:
        raise StripeFailure(400, "invalid_request_error", "Missing required param: currency.",
                            code="parameter_missing", param="currency")
    now = store.now()
    item = store.add("invoiceitem", {
        "id": new_id("ii"), "object": "invoiceitem", "amount": amount,
        "currency": params["currency"].lower(), "customer": customer["id"], "date": now,
        "description": params.get("description"),
        "discountable": params.get("discountable", amount >= 0), "discounts": [],
        "invoice": invoice["id"] if invoice else None, "livemode": False,
        "metadata": params.get("metadata") or {}, "period": {"end": now, "start": now},
        "price": None, "proration": False, "quantity": quantity, "subscription": None,
        "tax_rates": [], "test_clock": None, "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    })
    if invoice:
        _refresh_totals(store, invoice)
    store.emit("invoiceitem.created", item, request)
    return _copy(item)


def list_invoice_items(store: Store, params, ids, request) -> dict[str, Any]:
    def keep(item: dict[str, Any]) -> bool:
        return (("customer" not in params or item["customer"] == params["customer"])
                and ("invoice" not in params or item["invoice"] == params["invoice"])
                and ("pending" not in params
                     or (item["invoice"] is None) == params["pending"]))
    return store.listing("invoiceitem", params, "/v1/invoiceitems", keep)


def delete_invoice_item(store: Store, params, ids, request) -> dict[str, Any]:
    item = store.get("invoiceitem", ids["invoiceitem"])
    if item["invoice"] and store.get("invoice", item["invoice"])["status"] != "draft":
        raise invalid("Invoice items on a finalized invoice cannot be deleted.")
    del store.objects["invoiceitem"][item["id"]]
    if item["invoice"]:
        _refresh_totals(store, store.get("invoice", item["invoice"]))
    return {"id": item["id"], "object": "invoiceitem", "deleted": True}


# -- invoices ----------------------------------------------------------------------------

def _refresh_totals(store: Store, invoice: dict[str, Any]) -> None:
    items = sorted((item for item in store.objects["invoiceitem"].values()
                    if item["invoice"] == invoice["id"]), key=lambda i: store.order[i["id"]])
    lines = [{
        "id": "il_" + item["id"][3:], "object": "line_item", "amount": item["amount"],
        "currency": item["currency"], "description": item["description"],
        "discountable": item["discountable"], "discounts": [], "invoice_item": item["id"],
        "livemode": False, "metadata": item["metadata"], "period": item["period"],
        "price": None, "proration": False, "quantity": item["quantity"],
        "type": "invoiceitem",
    } for item in items]
    total = sum(line["amount"] for line in lines)
    invoice["lines"] = {"object": "list", "data": lines, "has_more": False,
                        "total_count": len(lines),
                        "url": f"/v1/invoices/{invoice['id']}/lines"}
    invoice.update(subtotal=total, subtotal_excluding_tax=total, total=total,
                   total_excluding_tax=total, amount_due=max(total, 0),
                   amount_remaining=max(total, 0) - invoice["amount_paid"])


def create_invoice(store: Store, params, ids, request) -> dict[str, Any]:
    customer = store.get("customer", params["customer"], "customer") \
        if "customer" in params else None
    if customer is None:
        raise StripeFailure(400, "invalid_request_error", "Missing required param: customer.",
                            code="parameter_missing", param="customer")
    collection = params.get("collection_method", "charge_automatically")
    if collection == "send_invoice" and not (params.get("days_until_due")
                                             or params.get("due_date")):
        raise invalid("Invoices with collection_method=send_invoice need days_until_due or "
                      "due_date.", "days_until_due")
    if collection != "send_invoice" and ("days_until_due" in params or "due_date" in params):
        raise invalid("days_until_due and due_date are only valid for "
                      "collection_method=send_invoice.", "collection_method")
    now = store.now()
    due_date = params.get("due_date") or (
        now + 86400 * params["days_until_due"] if params.get("days_until_due") else None)
    invoice = store.add("invoice", {
        "id": new_id("in"), "object": "invoice", "account_country": "US",
        "account_name": "Emulated Stripe account", "amount_due": 0, "amount_paid": 0,
        "amount_remaining": 0, "attempt_count": 0, "attempted": False,
        "auto_advance": params.get("auto_advance", collection != "send_invoice"),
        "billing_reason": "manual", "collection_method": collection, "created": now,
        "currency": (params.get("currency") or "usd").lower(), "customer": customer["id"],
        "customer_email": customer["email"], "customer_name": customer["name"],
        "days_until_due": params.get("days_until_due"),
        "description": params.get("description"), "due_date": due_date,
        "ending_balance": None, "hosted_invoice_url": None, "invoice_pdf": None,
        "livemode": False, "metadata": params.get("metadata") or {}, "number": None,
        "paid": False, "paid_out_of_band": False, "period_end": now, "period_start": now,
        "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None,
                               "paid_at": None, "voided_at": None},
        "test_clock": None,
    })
    if params.get("pending_invoice_items_behavior") == "include":
        for item in store.objects["invoiceitem"].values():
            if item["customer"] == customer["id"] and item["invoice"] is None:
                item["invoice"] = invoice["id"]
    _refresh_totals(store, invoice)
    store.emit("invoice.created", invoice, request)
    return _copy(invoice)


def list_invoices(store: Store, params, ids, request) -> dict[str, Any]:
    def keep(invoice: dict[str, Any]) -> bool:
        return all(params[name] == invoice[name] for name in
                   ("customer", "status", "collection_method") if name in params)
    return store.listing("invoice", params, "/v1/invoices", keep)


def delete_invoice(store: Store, params, ids, request) -> dict[str, Any]:
    invoice = store.get("invoice", ids["invoice"])
    if invoice["status"] != "draft":
        raise invalid("You can only delete draft invoices.")
    for item in list(store.objects["invoiceitem"].values()):
        if item["invoice"] == invoice["id"]:
            item["invoice"] = None
    del store.objects["invoice"][invoice["id"]]
    return {"id": invoice["id"], "object": "invoice", "deleted": True}


def _transition(store: Store, invoice_id: str, allowed: tuple[str, ...], action: str
                ) -> dict[str, Any]:
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] not in allowed:
        raise invalid(f"This invoice can't be {action} because its status is "
                      f"{invoice['status']}.")
    return invoice


def finalize_invoice(store: Store, params, ids, request) -> dict[str, Any]:
    invoice = _transition(store, ids["invoice"], ("draft",), "finalized")
    customer = store.get("customer", invoice["customer"])
    store.invoice_numbers += 1
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    invoice["status"] = "open"
    invoice["status_transitions"]["finalized_at"] = store.now()
    if "auto_advance" in params:
        invoice["auto_advance"] = params["auto_advance"]
    _refresh_totals(store, invoice)
    store.emit("invoice.finalized", invoice, request)
    if invoice["amount_due"] == 0:
        _paid(store, invoice, request)
    return _copy(invoice)


def _paid(store: Store, invoice: dict[str, Any], request: dict[str, Any]) -> None:
    invoice.update(status="paid", paid=True, amount_paid=invoice["amount_due"],
                   amount_remaining=0, attempted=True)
    invoice["status_transitions"]["paid_at"] = store.now()
    store.emit("invoice.paid", invoice, request)
    store.emit("invoice.payment_succeeded", invoice, request)


def pay_invoice(store: Store, params, ids, request) -> dict[str, Any]:
    invoice = _transition(store, ids["invoice"], ("open", "uncollectible"), "paid")
    invoice["attempt_count"] += 1
    invoice["paid_out_of_band"] = bool(params.get("paid_out_of_band"))
    _paid(store, invoice, request)
    return _copy(invoice)


def fail_payment(store: Store, invoice_id: str, request: dict[str, Any]) -> dict[str, Any]:
    invoice = _transition(store, invoice_id, ("open", "uncollectible"), "charged")
    invoice.update(attempt_count=invoice["attempt_count"] + 1, attempted=True)
    store.emit("invoice.payment_failed", invoice, request)
    return _copy(invoice)


def void_invoice(store: Store, params, ids, request) -> dict[str, Any]:
    invoice = _transition(store, ids["invoice"], ("open", "uncollectible"), "voided")
    invoice.update(status="void", amount_remaining=0)
    invoice["status_transitions"]["voided_at"] = store.now()
    store.emit("invoice.voided", invoice, request)
    return _copy(invoice)


def mark_uncollectible(store: Store, params, ids, request) -> dict[str, Any]:
    invoice = _transition(store, ids["invoice"], ("open",), "marked uncollectible")
    invoice["status"] = "uncollectible"
    invoice["status_transitions"]["marked_uncollectible_at"] = store.now()
    store.emit("invoice.marked_uncollectible", invoice, request)
    return _copy(invoice)


# -- events ------------------------------------------------------------------------------

def list_events(store: Store, params, ids, request) -> dict[str, Any]:
    def keep(event: dict[str, Any]) -> bool:
        if "type" in params:
            wanted = params["type"]
            if wanted.endswith("*"):
                return event["type"].startswith(wanted[:-1])
            return event["type"] == wanted
        return "types" not in params or event["type"] in params["types"]
    if "type" in params and "types" in params:
        raise invalid("You may only specify one of these parameters: type, types.", "types")
    return store.listing("event", params, "/v1/events", keep)


ROUTES: dict[str, Handler] = {
    "GET /v1/customers": list_customers,
    "POST /v1/customers": create_customer,
    "GET /v1/customers/search": search("customer", "/v1/customers/search"),
    "GET /v1/customers/{customer}": retrieve("customer"),
    "GET /v1/invoiceitems": list_invoice_items,
    "POST /v1/invoiceitems": create_invoice_item,
    "GET /v1/invoiceitems/{invoiceitem}": retrieve("invoiceitem"),
    "DELETE /v1/invoiceitems/{invoiceitem}": delete_invoice_item,
    "GET /v1/invoices": list_invoices,
    "POST /v1/invoices": create_invoice,
    "GET /v1/invoices/search": search("invoice", "/v1/invoices/search"),
    "GET /v1/invoices/{invoice}": retrieve("invoice"),
    "DELETE /v1/invoices/{invoice}": delete_invoice,
    "POST /v1/invoices/{invoice}/finalize": finalize_invoice,
    "POST /v1/invoices/{invoice}/pay": pay_invoice,
    "POST /v1/invoices/{invoice}/void": void_invoice,
    "POST /v1/invoices/{invoice}/mark_uncollectible": mark_uncollectible,
    "GET /v1/events": list_events,
    "GET /v1/events/{id}": retrieve("event"),
}


def route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The route template matching a request, with the ids in its path."""
    parts = path.rstrip("/").split("/")
    for template in ROUTES:
        template_method, template_path = template.split(" ", 1)
        template_parts = template_path.split("/")
        if template_method != method or len(template_parts) != len(parts):
            continue
        ids: dict[str, str] = {}
        for expected, actual in zip(template_parts, parts, strict=True):
            if expected.startswith("{"):
                ids[expected[1:-1]] = actual
            elif expected != actual:
                break
        else:
            return template, ids
    return None


__all__ = ["ROUTES", "fail_payment", "missing", "pay_invoice", "route"]
