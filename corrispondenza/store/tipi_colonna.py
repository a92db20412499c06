"""Column types that keep money exact on every database.

SQLite has no decimal type (SQLAlchemy would go through float), so amounts are stored as
whole cents in a BIGINT and come back as ``Decimal`` with two places, on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from corrispondenza.dominio.euro import CENTESIMO


class Euro(TypeDecorator[Decimal]):
    """A ``Decimal`` amount stored as integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        centesimi = (value if type(value) is Decimal else Decimal(value)).scaleb(2)
        intero = int(centesimi)
        if intero != centesimi:
            raise ValueError(f"importo con più di due decimali: {value}")
        return intero

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else (Decimal(value) * CENTESIMO)
