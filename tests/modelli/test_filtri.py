"""Italian formatting in letters (DESIGN.md, Templates): euro, data, in_lettere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from corrispondenza.modelli.filtri import data, euro, in_lettere, numero_in_lettere


@pytest.mark.parametrize(
    ("importo", "atteso"),
    [
        ("0", "0,00 €"),
        ("9.5", "9,50 €"),
        ("1234.56", "1.234,56 €"),
        ("1000000", "1.000.000,00 €"),
        ("-36.15", "-36,15 €"),
        ("0.005", "0,01 €"),  # half-up, like every amount of the project
    ],
)
def test_euro_alla_italiana(importo: str, atteso: str) -> None:
    assert euro(Decimal(importo)) == atteso


def test_euro_rifiuta_float_e_testo() -> None:
    """Money is Decimal, never float: a float reaching a letter is a bug to see, not to print."""
    with pytest.raises(TypeError, match="importo"):
        euro(0.1)
    with pytest.raises(TypeError):
        euro("12")


def test_data_estesa_e_breve() -> None:
    assert data(date(2026, 11, 23)) == "23 novembre 2026"
    assert data(date(2026, 3, 1)) == "1° marzo 2026"
    assert data(date(2026, 3, 1), "breve") == "01/03/2026"
    with pytest.raises(ValueError, match="formato"):
        data(date(2026, 3, 1), "lunga")


@pytest.mark.parametrize(
    ("n", "parole"),
    [
        (0, "zero"),
        (1, "uno"),
        (3, "tre"),
        (16, "sedici"),
        (21, "ventuno"),
        (23, "ventitré"),
        (28, "ventotto"),
        (33, "trentatré"),
        (100, "cento"),
        (101, "centouno"),
        (103, "centotré"),
        (180, "centottanta"),
        (188, "centottantotto"),
        (999, "novecentonovantanove"),
        (1000, "mille"),
        (1001, "milleuno"),
        (1234, "milleduecentotrentaquattro"),
        (2000, "duemila"),
        (21000, "ventunomila"),
        (23000, "ventitremila"),
        (100000, "centomila"),
        (1000000, "unmilione"),
        (2000003, "duemilionitré"),
        (1000000000, "unmiliardo"),
    ],
)
def test_numeri_in_lettere(n: int, parole: str) -> None:
    assert numero_in_lettere(n) == parole


def test_importo_in_lettere_con_centesimi_in_cifre() -> None:
    """The form of cheques and public deeds: words, a slash, the cents in figures."""
    assert in_lettere(Decimal("1080.21")) == "milleottanta/21"
    assert in_lettere(Decimal("9.50")) == "nove/50"
    assert in_lettere(Decimal("0.07")) == "zero/07"
    with pytest.raises(ValueError):
        in_lettere(Decimal("-1"))
