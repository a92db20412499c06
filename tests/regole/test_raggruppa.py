"""Art. 6 c. 5 and c. 9: one letter per recipient, kind, struttura, channel; postage once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from corrispondenza.dominio.tipi import Canale, TipoLettera
from corrispondenza.regole.raggruppa import raggruppa
from corrispondenza.regole.valuta import valuta

from .conftest import avviso_del, persona, pratica

D = Decimal
OGGI = date(2026, 8, 1)


def piano(par, *pratiche):
    return raggruppa([(p, valuta(p, OGGI, par)) for p in pratiche], par)


def credito(id: int, importo: str, **campi):
    campi.setdefault("lettere", (avviso_del(date(2026, 4, 20)),))
    return pratica(credito_id=id, id_esterno=f"T-{id}", importo=D(importo), **campi)


def test_art_6_5_crediti_dello_stesso_debitore_in_una_lettera(par) -> None:
    """Two solleciti to one debtor: one raccomandata, 30,00 + 45,50 + 9,50 postage once = 85,00 €."""
    proposte = piano(par, credito(1, "30.00"), credito(2, "45.50"))
    (lettera,) = proposte.lettere
    assert (lettera.tipo, lettera.canale, lettera.crediti) == (
        TipoLettera.SOLLECITO,
        Canale.RACCOMANDATA_AR,
        (1, 2),
    )
    assert (lettera.importi.principale, lettera.importi.spese, lettera.importi.totale) == (
        D("75.50"),
        D("9.50"),
        D("85.00"),
    )
    assert lettera.motivi[-1].testo == "2 crediti raggruppati in una sola lettera"


def test_art_6_5_strutture_diverse_lettere_diverse(par) -> None:
    proposte = piano(par, credito(1, "30.00"), credito(2, "30.00", struttura="BILANCIO"))
    assert sorted(x.struttura for x in proposte.lettere) == ["BILANCIO", "TICKET"]


def test_art_6_5_sotto_soglia_raggruppati_raggiungono_il_minimo(par) -> None:
    """6,00 + 5,00 = 11,00 € ≥ 10,33: together they go by raccomandata (Art. 6 c. 5)."""
    proposte = piano(par, credito(1, "6.00"), credito(2, "5.00"))
    (lettera,) = proposte.lettere
    assert (lettera.crediti, lettera.importi.totale) == ((1, 2), D("20.50"))
    assert proposte.esclusi == ()


def test_art_6_6_sotto_soglia_anche_raggruppati_restano_esclusi(par) -> None:
    """4,00 + 5,00 = 9,00 € < 10,33 without PEC: no raccomandata, both stay open."""
    proposte = piano(par, credito(1, "4.00"), credito(2, "5.00"))
    assert proposte.lettere == ()
    assert [(c, e.articolo) for c, e in proposte.esclusi] == [(1, "6.6"), (2, "6.6")]


def test_art_6_5_un_credito_piccolo_si_unisce_alla_raccomandata_che_parte_comunque(par) -> None:
    proposte = piano(par, credito(1, "50.00"), credito(2, "3.00"))
    (lettera,) = proposte.lettere
    assert lettera.crediti == (1, 2)


def test_art_6_9_nessuna_spesa_postale_sull_avviso(par) -> None:
    avvisi = piano(par, credito(1, "30.00", lettere=()), credito(2, "20.00", lettere=()))
    (lettera,) = avvisi.lettere
    assert (lettera.tipo, lettera.importi.spese, lettera.importi.totale) == (
        TipoLettera.AVVISO,
        D("0"),
        D("50.00"),
    )


def test_destinatari_diversi_lettere_diverse_in_ordine_deterministico(par) -> None:
    a = credito(1, "30.00", debitore=persona(7, codice_fiscale="BBBBBB00A00A000B"))
    b = credito(2, "30.00", debitore=persona(8, codice_fiscale="AAAAAA00A00A000A"))
    proposte = piano(par, a, b)
    assert [x.destinatario.id for x in proposte.lettere] == [8, 7]
    assert piano(par, b, a) == proposte
