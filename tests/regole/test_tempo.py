"""Counting conventions (DESIGN.md): calendar months clamped, windows inclusive, terms X+N+1."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corrispondenza.regole.tempo import Finestra, aggiungi_mesi, decorso, scadenza_termine


@pytest.mark.parametrize(
    ("giorno", "mesi", "atteso"),
    [
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="31-gennaio-piu-1-mese"),
        pytest.param(date(2028, 1, 31), 1, date(2028, 2, 29), id="anno-bisestile"),
        pytest.param(date(2026, 8, 31), 3, date(2026, 11, 30), id="novembre-30-giorni"),
        pytest.param(date(2026, 11, 15), 12, date(2027, 11, 15), id="dodici-mesi"),
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="mesi-indietro"),
        pytest.param(date(2025, 12, 10), 3, date(2026, 3, 10), id="cambio-anno"),
    ],
)
def test_mesi_di_calendario(giorno: date, mesi: int, atteso: date) -> None:
    assert aggiungi_mesi(giorno, mesi) == atteso


def test_finestra_estremi_inclusi() -> None:
    """Art. 5 c. 4: at least 3 and at most 12 months after the service, both days included."""
    finestra = Finestra.mesi_dopo(date(2026, 1, 15), 3, 12)
    assert (finestra.dal, finestra.al) == (date(2026, 4, 15), date(2027, 1, 15))
    assert finestra.contiene(date(2026, 4, 15)) and finestra.contiene(date(2027, 1, 15))
    assert finestra.prima(date(2026, 4, 14)) and finestra.dopo(date(2027, 1, 16))


def test_termine_di_15_giorni() -> None:
    """Art. 6 c. 7: delivered on 01/12 → the debtor has all of 16/12; mora from 17/12."""
    consegna = date(2026, 12, 1)
    assert scadenza_termine(consegna, 15) == date(2026, 12, 16)
    assert not decorso(consegna, 15, date(2026, 12, 16))
    assert decorso(consegna, 15, date(2026, 12, 17))


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 240))
def test_aggiungere_mesi_non_supera_mai_il_mese_giusto(giorno: date, mesi: int) -> None:
    risultato = aggiungi_mesi(giorno, mesi)
    assert (risultato.year * 12 + risultato.month) - (giorno.year * 12 + giorno.month) == mesi
    assert risultato.day <= giorno.day
