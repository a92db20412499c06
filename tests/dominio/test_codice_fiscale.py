"""Codice fiscale and partita IVA: check characters (python-stdnum) and the encoded birth date."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.it import codicefiscale

from corrispondenza.dominio.codice_fiscale import data_di_nascita, valida_codice_fiscale

OGGI = date(2026, 11, 23)


@pytest.mark.parametrize(
    "codice", ["RSSMRA85T10A562S", "rssmra85t10a562s", " RSSMRA85T10A562S ", "09123450372"]
)
def test_codici_validi(codice: str) -> None:
    assert valida_codice_fiscale(codice) == codice.strip().upper()


@pytest.mark.parametrize(
    ("codice", "motivo"),
    [
        ("RSSMRA85T10A562X", "carattere di controllo errato"),
        ("09123450371", "cifra di controllo errata"),
        ("RSSMRA85T1", "attesi 16 caratteri"),
        ("RSSMRA8ZT10A562S", "caratteri non ammessi"),
    ],
)
def test_codici_errati(codice: str, motivo: str) -> None:
    with pytest.raises(ValueError, match=motivo):
        valida_codice_fiscale(codice)


def test_data_impossibile_nel_codice() -> None:
    base = "RSSMRA85B31A562"  # 31 February
    with pytest.raises(ValueError, match="data di nascita codificata non esiste"):
        valida_codice_fiscale(base + codicefiscale.calc_check_digit(base))


def test_omocodia_accettata_come_stdnum() -> None:
    """Omocodia replaces digits with letters (LMNPQRSTUV); stdnum agrees it is valid."""
    base = "RSSMRA85T10A56NS"[:15]
    codice = base + codicefiscale.calc_check_digit(base)
    assert codicefiscale.is_valid(codice)
    assert valida_codice_fiscale(codice) == codice


def test_data_di_nascita_secolo_piu_recente_non_futuro() -> None:
    assert data_di_nascita("RSSMRA85T10A562S", OGGI) == date(1985, 12, 10)
    minore = "BNCLCU15C15A944I"
    assert data_di_nascita(minore, OGGI) == date(2015, 3, 15)
    donna = "VRDNNA70B50A944U"  # day + 40 for women
    assert data_di_nascita(donna, OGGI) == date(1970, 2, 10)
    assert data_di_nascita("09123450372", OGGI) is None
