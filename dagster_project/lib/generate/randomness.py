"""Keyed-hash randomness: a draw is a pure function of the seed and a key, so the same
config gives the same numbers on every platform, run and DuckDB thread count."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_project.lib.generate.sql import Database

# hash_unit() reads a 64-bit hash as three 20-bit slices, each a number in [0, 1) with
# this many steps; rates compared against a slice are scaled by it.
HASH_UNIT_STEPS = 1 << 20


def unit(seed: int, *key: object) -> float:
    """A uniform number in [0, 1) from a keyed hash: stable across runs and platforms."""
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def pick(draw: float, weighted: Sequence[tuple[object, float]]) -> object:
    """The value whose share of the total weight covers `draw` (a number in [0, 1))."""
    total = sum(weight for _, weight in weighted)
    cumulative = 0.0
    for value, weight in weighted:
        cumulative += weight / total
        if draw < cumulative:
            return value
    return weighted[-1][0]


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to the weights (largest remainder: the sum is exact)."""
    weight_sum = sum(weights)
    exact = [total * weight / weight_sum for weight in weights]
    counts = [math.floor(share) for share in exact]
    # the largest remainders first (ties: the earlier weight)
    by_remainder = sorted(range(len(exact)),
                          key=lambda index: (counts[index] - exact[index], index))
    for position in by_remainder[: total - sum(counts)]:
        counts[position] += 1
    return counts


def spread(per_day: int, day_factors: Sequence[float]) -> list[int]:
    """per_day * days rows over the days, in proportion to the day factors."""
    return allocate(per_day * len(day_factors), day_factors)


def create_hash_macros(db: Database, seed: int) -> None:
    """row_hash(row_index, source_day, salt): a row's 64-bit hash, one stream per salt;
    hash_unit(hash_value, slice_index): its slice 0, 1 or 2 as a number in [0, 1)."""
    # DuckDB combines the hashes of hash()'s arguments so that the last one is XOR-ed
    # in: values for two salts would differ by a constant bit pattern. The outer
    # hash() (a 64-bit avalanche) makes every salt an independent stream.
    db.execute("create or replace macro row_hash(row_index, source_day, salt) as hash(hash("
               "cast(row_index as bigint), cast(source_day as bigint), "
               f"cast({int(seed)} as bigint), salt))")
    db.execute("create or replace macro hash_unit(hash_value, slice_index) as "
               "cast((hash_value >> (20 * slice_index)) & 1048575 as double) / 1048576.0")
