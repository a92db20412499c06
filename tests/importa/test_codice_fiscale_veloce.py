"""The codice fiscale check computed from tables agrees with python-stdnum, code by code."""

from __future__ import annotations

import random

import pytest
from stdnum.it import codicefiscale, iva

from corrispondenza.dominio.codice_fiscale import (
    carattere_di_controllo,
    gia_valido,
    partita_iva_valida,
    valida_codice_fiscale,
)

CARATTERI = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_carattere_di_controllo_come_stdnum() -> None:
    caso = random.Random(3)
    for _ in range(20_000):
        primi = "".join(caso.choice(CARATTERI) for _ in range(15))
        assert carattere_di_controllo(primi) == codicefiscale.calc_check_digit(primi)


def test_partita_iva_come_stdnum() -> None:
    caso = random.Random(5)
    numeri = ["00000000000", "00000001000", "12345670017", "12345671206", "12345678889", "12345679998"]
    numeri += ["".join(caso.choice("0123456789") for _ in range(11)) for _ in range(30_000)]
    numeri += [
        f"{caso.randrange(10**7):07d}{caso.choice(['001', '100', '101', '120', '121', '888', '999'])}{d}"
        for _ in range(2000)
        for d in "0123456789"
    ]
    for numero in numeri:
        assert partita_iva_valida(numero) == iva.is_valid(numero), numero


@pytest.mark.parametrize("numero", ["١٢٣٤٥٦٧٠٠١٧", "１２３４５６７００１７", "1234567001", "ABCDEFGHIJK"])
def test_partita_iva_insolita_va_a_stdnum(numero: str) -> None:
    assert partita_iva_valida(numero) == iva.is_valid(numero)


def test_codici_generati_validi_e_alterati_rifiutati() -> None:
    caso = random.Random(11)
    for _ in range(2000):
        base = (
            "".join(caso.choice(CARATTERI[10:]) for _ in range(6))
            + f"{caso.randrange(100):02d}"
            + caso.choice("ABCDEHLMPRST")
            + f"{caso.randrange(1, 29) + caso.choice([0, 40]):02d}"
            + caso.choice(CARATTERI[10:])
            + f"{caso.randrange(1000):03d}"
        )
        giusto = codicefiscale.calc_check_digit(base)
        assert valida_codice_fiscale(base + giusto) == base + giusto
        sbagliato = caso.choice([c for c in CARATTERI[10:] if c != giusto])
        with pytest.raises(ValueError, match="carattere di controllo errato"):
            valida_codice_fiscale(base + sbagliato)


def test_gia_valido_solo_se_valida_lo_restituisce_uguale() -> None:
    caso = random.Random(13)
    codici = ["RSSMRA85T10A562S", "rssmra85t10a562s", " RSSMRA85T10A562S", "09123450372", "09123450371"]
    codici += ["RSSMRA85B31A562" + codicefiscale.calc_check_digit("RSSMRA85B31A562"), "١٢٣٤٥٦٧٠٠١٧"]
    for _ in range(5000):
        base = "".join(caso.choice(CARATTERI) for _ in range(15))
        codici += [base + codicefiscale.calc_check_digit(base), base + caso.choice(CARATTERI)]
        codici.append("".join(caso.choice("0123456789") for _ in range(11)))
    for codice in codici:
        try:
            atteso = valida_codice_fiscale(codice) == codice
        except ValueError:
            atteso = False
        assert gia_valido(codice) == atteso, codice
