"""Number formatting shared by the templates. Money is Decimal, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | int | None) -> str:
    """2 decimals, thousands separators, half away from zero: `-1,234.50`."""
    if value is None:
        return ""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, not float")
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def money_plain(value: Decimal | int | None) -> str | None:
    """2 decimals without separators, for JSON (a string: JSON numbers are binary floats)."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("money must be Decimal, not float")
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def quantity(value: Decimal | int | float | None) -> str:
    """A quantity without trailing zeros: 2500, 12.5, 0.0043."""
    if value is None:
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_INVARIABLE_UNITS = {"GB", "MB", "KB", "TB"}


def unit(name: str | None, amount: Decimal | int | None = None) -> str:
    """A metric's unit for a quantity: 1 minute, 2,500 minutes, 3 GB."""
    if not name:
        return ""
    if name in _INVARIABLE_UNITS or amount == 1:
        return name
    return name + "s"


def count(value: int | None) -> str:
    return f"{value or 0:,d}"


def percent(value: float | Decimal | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{float(value):.{digits}f}%"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#|!~])")


def markdown_text(value: object) -> object:
    """Escape text interpolated into Markdown (names come from upstream systems)."""
    if isinstance(value, str):
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value
