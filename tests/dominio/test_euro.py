"""Money: Decimal to the cent, read as Italian exports write it, shown as Italians read it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corrispondenza.dominio.euro import arrotonda, formatta_euro, in_json, leggi_importo


@pytest.mark.parametrize(
    ("testo", "atteso"),
    [
        ("12,50", "12.50"),
        ("1.234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567,8", "1234567.80"),
        ("10", "10.00"),
        (" 7,5 € ", "7.50"),
        ("-3,10", "-3.10"),
        (12.5, "12.50"),
        (7, "7.00"),
        (Decimal("0.1"), "0.10"),
    ],
)
def test_importi_letti_come_li_scrive_la_contabilita(testo: object, atteso: str) -> None:
    assert str(leggi_importo(testo)) == atteso  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("testo", "motivo"),
    [
        ("12,345", "più di due decimali"),
        ("1.234", "più di due decimali"),  # one dot, three digits: ambiguous, never guessed
        ("12,3,4", "non è un importo"),
        ("abc", "non è un importo"),
        ("", "non è un importo"),
        ("NaN", "non è un importo"),
        (True, "vero/falso"),
    ],
)
def test_importi_ambigui_o_errati_rifiutati(testo: object, motivo: str) -> None:
    with pytest.raises(ValueError, match=motivo):
        leggi_importo(testo)  # type: ignore[arg-type]


def test_arrotondamento_half_up_al_centesimo() -> None:
    assert arrotonda(Decimal("0.005")) == Decimal("0.01")
    assert arrotonda(Decimal("2.675")) == Decimal("2.68")  # float would give 2.67
    assert arrotonda(Decimal("-0.005")) == Decimal("-0.01")


def test_formato_italiano() -> None:
    assert formatta_euro(Decimal("1234.5")) == "1.234,50 €"
    assert formatta_euro(Decimal("0")) == "0,00 €"
    assert formatta_euro(Decimal("-1000000")) == "-1.000.000,00 €"
    assert in_json(Decimal("3.1")) == "3.10"


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_il_formato_italiano_si_rilegge_identico(importo: Decimal) -> None:
    assert leggi_importo(formatta_euro(importo)) == importo
    assert leggi_importo(in_json(importo)) == importo
