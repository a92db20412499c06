"""The only place that reads the clock (STYLE.md: a clock passed in, never ``today()`` in the rules).

"Today" is the Italian calendar day: at 00:30 in Rome it is already tomorrow, while UTC is
still on yesterday, and a term of days must count Italian days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

FUSO_ITALIA = ZoneInfo("Europe/Rome")


def oggi() -> date:
    """Today's date in Italy."""
    return datetime.now(FUSO_ITALIA).date()


def adesso() -> datetime:
    """The current instant, timezone-aware in UTC (how the journal stores it)."""
    return datetime.now(UTC)


def in_utc(istante: datetime) -> datetime:
    """An instant read back from the store: SQLite keeps no zone, and we always write UTC."""
    return istante.replace(tzinfo=UTC) if istante.tzinfo is None else istante.astimezone(UTC)
