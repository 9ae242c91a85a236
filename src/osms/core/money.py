"""Money: ``Decimal`` tenge, one rounding rule, one exact database type.

Rule (docs/calculators.md): amounts are rounded half-up to 0.01 tenge after a cap is applied.
SQLite has no exact decimal type, so money is stored there as integer tiyn (1 tenge = 100
tiyn); on PostgreSQL it is ``NUMERIC(18, 2)``. Both read back as ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

CENT = Decimal("0.01")


def round_money(value: Decimal | int | str) -> Decimal:
    """Round to 0.01 tenge, half-up (2,828.405 -> 2,828.41)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str) -> Decimal:
    """Parse an amount as written in files ("2445.90", "2445,9", "2 445.90").

    Raises ``ValueError`` for anything that is not a finite number with at most 2 decimals.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    try:
        cents = value.quantize(CENT)
    except InvalidOperation as exc:  # too many digits for the context, e.g. "1E100"
        raise ValueError(f"amount out of range: {text!r}") from exc
    if value != cents:
        raise ValueError(f"more than 2 decimals: {text!r}")
    return cents


def format_money(value: Decimal) -> str:
    """Two decimals, no thousands separator: the JSON form ("2445.90")."""
    return f"{round_money(value):.2f}"


class Money(TypeDecorator[Decimal]):
    """Exact tenge on both databases: integer tiyn on SQLite, NUMERIC(18,2) on PostgreSQL."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        if value != value.quantize(CENT):
            raise ValueError(f"money must have at most 2 decimals, got {value}")
        if dialect.name == "sqlite":
            return int(value * 100)
        return value.quantize(CENT)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)
