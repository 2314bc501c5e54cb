"""The reference data the events draw from: plans, metrics, provider rates and tax regions
read from the seed files, and the product tables of the event SQL built from them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from dagster_project.lib.generate.randomness import allocate
from dagster_project.settings import SEEDS_DIR

if TYPE_CHECKING:
    from dagster_project.lib.generate.sql import Database


# Share of events per resource type (storage is extra: one row per active workspace/day).
RESOURCE_MIX = {
    "call_minutes": 0.24, "transcription": 0.22, "synthesis": 0.24, "llm_tokens": 0.20,
    "api_calls": 0.10,
}
# How a resource type's events refer to a call: 2 always, 1 half of them, absent never.
CALL_LINKED = {"call_minutes": 2, "transcription": 2, "synthesis": 2, "llm_tokens": 1}
COUNTRY_WEIGHTS = {"US": 30, "CA": 8, "GB": 10, "DE": 9, "FR": 6, "NL": 4, "ES": 4,
                   "IE": 2, "AU": 5, "JP": 3, "IN": 5, "BR": 4, "SG": 3}
# An event picks its product by a bucket in [0, PRODUCT_BUCKETS); storage has the next one.
PRODUCT_BUCKETS = 1000


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Reference:
    plans: tuple[str, ...]
    usage_products: list[dict[str, object]]    # resource_type, provider, model, rate, linked
    storage_product: dict[str, object] | None
    gateway_products: list[dict[str, object]]  # provider, model, rate
    voice_providers: tuple[str, ...]
    countries: list[tuple[str, float]]         # (country, weight)
    regions: dict[str, tuple[str, ...]]        # country -> its tax regions


def _rates_at(end: date) -> dict[tuple[str, str, str], str]:
    """(resource_type, provider, model) -> unit cost effective at the end date (or the
    first listed, for a pair no longer or not yet effective)."""
    metrics = {row["resource_type"] for row in read_seed("metrics.csv")}
    current: dict[tuple[str, str, str], str] = {}
    for row in read_seed("provider_rates.csv"):
        start = date.fromisoformat(row["effective_from"])
        stop = date.fromisoformat(row["effective_to"]) if row["effective_to"] else None
        key = (row["resource_type"], row["provider"], row["model"])
        if row["resource_type"] in metrics and start <= end and (stop is None or end < stop):
            current[key] = row["unit_cost"]
        elif key not in current:  # not effective at the end date: still a known pair
            current.setdefault(key, row["unit_cost"])
    return current


def _tax_regions() -> dict[str, set[str]]:
    regions: dict[str, set[str]] = {}
    for row in read_seed("tax_rates.csv"):
        regions.setdefault(row["country"], set())
        if row["region"]:
            regions[row["country"]].add(row["region"])
    return regions


def load_reference(end: date) -> Reference:
    plans = tuple(row["plan_id"] for row in read_seed("plans.csv"))
    rates = sorted(_rates_at(end).items())
    usage_products = [
        {"resource_type": resource_type, "provider": provider, "model": model or None,
         "rate": rate, "linked": CALL_LINKED.get(resource_type, 0)}
        for (resource_type, provider, model), rate in rates if resource_type in RESOURCE_MIX
    ]
    storage = [
        {"resource_type": resource_type, "provider": provider, "model": model or None,
         "rate": rate, "linked": 0}
        for (resource_type, provider, model), rate in rates if resource_type == "storage"
    ]
    gateway_products = [
        {"provider": provider, "model": model, "rate": rate}
        for (resource_type, provider, model), rate in rates
        if resource_type == "llm_tokens" and model
    ]
    voice = tuple(sorted({provider for (resource_type, provider, _model), _rate in rates
                          if resource_type == "call_minutes"})) or ("twilio",)
    regions = _tax_regions()
    countries = [(country, float(COUNTRY_WEIGHTS.get(country, 3))) for country in sorted(regions)]
    countries += [("BR", 4.0), ("SG", 3.0)]  # no tax row: 0 %
    return Reference(
        plans=plans,
        usage_products=usage_products,
        storage_product=storage[0] if storage else None,
        gateway_products=gateway_products,
        voice_providers=voice,
        countries=countries,
        regions={country: tuple(sorted(names)) for country, names in regions.items()},
    )


def _usage_product_rows(reference: Reference) -> list[tuple[object, ...]]:
    """The product buckets in proportion to the resource mix (a type's share split evenly
    over its products), then the storage product in bucket PRODUCT_BUCKETS."""
    by_type: dict[str, list[dict[str, object]]] = {}
    for product in reference.usage_products:
        by_type.setdefault(str(product["resource_type"]), []).append(product)
    weighted = []
    mix = {resource_type: share for resource_type, share in RESOURCE_MIX.items()
           if resource_type in by_type}
    for resource_type, share in mix.items():
        for product in by_type[resource_type]:
            weighted.append((product, share / len(by_type[resource_type])))
    rows = []
    if weighted:
        counts = allocate(PRODUCT_BUCKETS, [share for _, share in weighted])
        for (product, _share), count in zip(weighted, counts, strict=True):
            for _ in range(count):
                rows.append((len(rows), product["resource_type"], product["provider"],
                             product["model"], product["rate"], product["linked"]))
    storage = reference.storage_product
    if storage:
        rows.append((PRODUCT_BUCKETS, storage["resource_type"], storage["provider"],
                     storage["model"], storage["rate"], 0))
    return rows


def _gateway_product_rows(reference: Reference) -> list[tuple[object, ...]]:
    """The product buckets split evenly over the gateway models (the rest to the last)."""
    products = reference.gateway_products
    rows = []
    if products:
        per_product = [PRODUCT_BUCKETS // len(products)] * len(products)
        per_product[-1] += PRODUCT_BUCKETS - sum(per_product)
        for product, count in zip(products, per_product, strict=True):
            for _ in range(count):
                rows.append((len(rows), product["provider"], product["model"], product["rate"]))
    return rows


def load_product_tables(db: Database, reference: Reference) -> None:
    """usage_products and gateway_products: product_bucket -> the product an event uses."""
    db.load_table(
        "usage_products",
        ("product_bucket", "resource_type", "provider", "model", "rate", "linked"),
        _usage_product_rows(reference),
        {"product_bucket": "BIGINT", "rate": "DECIMAL(20,12)", "linked": "INTEGER"})
    db.load_table("gateway_products", ("product_bucket", "provider", "model", "rate"),
                  _gateway_product_rows(reference),
                  {"product_bucket": "BIGINT", "rate": "DECIMAL(20,12)"})
