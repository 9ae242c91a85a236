"""One JSON line per result on standard output (dates ISO, Decimal as its exact string).

Money is formatted by the caller with ``osms.core.money.format_money`` ("2445.90"): a bare
``Decimal`` here may be a rate ("0.015"), so it is never rounded.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__str__"):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_default)


def print_json(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")
