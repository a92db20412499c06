"""Art. 7 (instalments) and Art. 8 (the amount to enrol), with amounts computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from corrispondenza.dominio.tipi import Canale, EsitoStorico
from corrispondenza.regole.esito import Esclusione, Importi
from corrispondenza.regole.rateizzazione import piano, valuta_richiesta
from corrispondenza.regole.ruolo import importo_a_ruolo

from .conftest import avviso_del, pratica, sollecito_del

D = Decimal
CONSEGNA = date(2026, 12, 1)  # the sollecito's delivery: the request is due by 16/12/2026
PRIMA = date(2027, 1, 31)


def richiesta(par, importo: str, rate: int, il: date = date(2026, 12, 10)):
    return valuta_richiesta(D(importo), rate, il, CONSEGNA, PRIMA, D("4.00"), par.regole)


@pytest.mark.parametrize(
    ("importo", "rate", "attese"),
    [
        pytest.param("1000.00", 10, ["100.00"] * 10, id="art-7-2-dieci-rate-uguali"),
        pytest.param(
            "1000.00", 3, ["333.33", "333.33", "333.34"], id="art-7-2-ultima-rata-prende-la-differenza"
        ),
    ],
)
def test_art_7_fino_a_12_rate_senza_interessi(par, importo: str, rate: int, attese: list[str]) -> None:
    esito = richiesta(par, importo, rate)
    assert esito.accolta
    assert [str(r.importo) for r in esito.rate] == attese
    assert all(r.interessi == 0 for r in esito.rate) and esito.totale == D(importo)


def test_art_7_5_oltre_12_rate_ammortamento_francese(par) -> None:
    """1.200,00 € in 24 rate at 4 %/12 a month: r = 0,003333…, rata = 1200·r/(1−(1+r)^−24) = 52,11.

    Month 1: interest 1200·r = 4,00, capital 48,11; month 2: interest 1151,89·r = 3,84.
    The 24th rata settles the rest: capital 51,96 + interest 0,17. Capital sums to 1.200,00.
    """
    rate = piano(D("1200.00"), 24, PRIMA, D("4.00"), par.regole)
    assert (rate[0].importo, rate[0].interessi, rate[0].capitale) == (D("52.11"), D("4.00"), D("48.11"))
    assert (rate[1].interessi, rate[1].capitale) == (D("3.84"), D("48.27"))
    assert (rate[-1].capitale, rate[-1].interessi) == (D("51.96"), D("0.17"))
    assert sum(r.capitale for r in rate) == D("1200.00")
    assert [r.scadenza for r in rate[:3]] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


def test_art_7_2_concesso_il_massimo_di_rate_con_rata_di_almeno_50(par) -> None:
    """1.000,00 € in 24: rata 43,42 < 50. In 21: 49,38 < 50. In 20: 51,77 ≥ 50 → 20 rate."""
    esito = richiesta(par, "1000.00", 24)
    assert esito.accolta and len(esito.rate) == 20
    assert [m.articolo for m in esito.motivi] == ["7.2", "7.2", "7.5"]
    assert "richieste 24 rate: concesse 20" in esito.motivi[1].testo


def test_art_7_2_oltre_24_rate_ridotte_a_24(par) -> None:
    assert len(richiesta(par, "1200.00", 36).rate) == 24


def test_art_7_2_meno_di_due_rate_possibili_respinta(par) -> None:
    """90,00 €: two rate would be 45,00 < 50: rejected, with the reason."""
    esito = richiesta(par, "90.00", 6)
    assert not esito.accolta and not esito.rate
    assert esito.motivi[0].articolo == "7.2" and "troppo basso" in esito.motivi[0].testo


@pytest.mark.parametrize(
    ("il", "accolta"),
    [
        pytest.param(date(2026, 12, 16), True, id="art-7-1-ultimo-giorno-utile"),
        pytest.param(date(2026, 12, 17), False, id="art-7-1-tardiva"),
    ],
)
def test_art_7_1_richiesta_entro_15_giorni_dalla_consegna(par, il: date, accolta: bool) -> None:
    esito = richiesta(par, "600.00", 6, il)
    assert esito.accolta is accolta
    if not accolta:
        assert esito.motivi[0].testo == (
            "richiesta del 17/12/2026 oltre il termine di 15 giorni scaduto il 16/12/2026"
        )


# --- Art. 8 ------------------------------------------------------------------------------------


def sollecitata(importo: str, canale: Canale = Canale.RACCOMANDATA_AR, spese: str = "9.50"):
    sollecito = sollecito_del(
        date(2026, 8, 1),
        canale,
        EsitoStorico.CONSEGNATA,
        data_consegna=date(2026, 8, 5),
        spese=D(spese),
    )
    return pratica(importo=D(importo), lettere=(avviso_del(date(2026, 4, 20)), sollecito))


def test_art_8_5_non_prima_di_tre_mesi_dalla_notifica(par) -> None:
    esito = importo_a_ruolo(sollecitata("100.00"), date(2026, 11, 4), par)
    assert isinstance(esito, Esclusione) and (esito.articolo, esito.dal) == ("8.5", date(2026, 11, 5))


def test_art_8_6_principale_interessi_del_tesoriere_e_spese(par) -> None:
    """Delivered 05/08/2026, term to 20/08; on 20/11/2026: 92 days.

    Interest 100,00 × 4 % × 92/365 = 1,0082 → 1,01; costs 9,50; total 110,51 €.
    """
    esito = importo_a_ruolo(sollecitata("100.00"), date(2026, 11, 20), par)
    assert esito == Importi(principale=D("100.00"), interessi=D("1.01"), spese=D("9.50"))
    assert esito.totale == D("110.51")


def test_art_8_7_nulla_sotto_il_minimo_misurato_sul_totale(par) -> None:
    esito = importo_a_ruolo(sollecitata("5.00", Canale.PEC, "0.00"), date(2026, 11, 20), par)
    assert isinstance(esito, Esclusione) and esito.articolo == "8.7"
    assert esito.motivo == "totale 5,05 € sotto il minimo iscrivibile di 10,33 €"


def test_art_8_5_senza_sollecito_notificato_niente_ruolo(par) -> None:
    esito = importo_a_ruolo(pratica(lettere=(avviso_del(date(2026, 4, 20)),)), date(2026, 11, 20), par)
    assert isinstance(esito, Esclusione) and esito.articolo == "8.5"
