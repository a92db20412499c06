"""The decision for a credit on a day, case by case, named by article (DESIGN.md, rules table).

Amounts are computed by hand in the comments. Defaults: a ticket of 100,00 € for a service on
15/01/2026, document of 20/01/2026 with no due date (so due 19/02/2026, Art. 4 c. 2).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from corrispondenza.dominio.pratica import Erede, Pagamento, Rappresentante
from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoCredito, TipoLettera, TipoSoggetto
from corrispondenza.regole.esito import Decisione, Ruolo, TipoSegnalazione
from corrispondenza.regole.valuta import valuta
from corrispondenza.stato import StatoCredito

from .conftest import avviso_del, lettera, persona, pratica, sollecito_del

D = Decimal


def sola_lettera(decisione: Decisione):
    assert decisione.esclusione is None, decisione.esclusione
    (unica,) = decisione.lettere
    return unica


# --- Art. 4 and Art. 5: arrears and the avviso ---------------------------------------------


def test_art_4_2_scadenza_a_30_giorni_dal_documento(par) -> None:
    """Document 20/01/2026 + 30 days = 19/02/2026: moroso from 20/02/2026."""
    decisione = valuta(pratica(data_prestazione=date(2025, 12, 1)), date(2026, 2, 19), par)
    assert (decisione.esclusione.articolo, decisione.esclusione.dal) == ("4.1", date(2026, 2, 20))


def test_art_4_2_la_scadenza_esplicita_prevale(par) -> None:
    decisione = valuta(pratica(scadenza=date(2026, 6, 30)), date(2026, 6, 1), par)
    assert decisione.esclusione.dal == date(2026, 7, 1)


def test_art_5_4_avviso_prima_della_finestra_indica_la_data(par) -> None:
    """Service 15/01/2026 + 3 months = 15/04/2026."""
    decisione = valuta(pratica(), date(2026, 3, 1), par)
    assert decisione.esclusione.articolo == "5.4"
    assert decisione.esclusione.motivo == "avviso possibile dal 15/04/2026"
    assert decisione.esclusione.dal == date(2026, 4, 15)


@pytest.mark.parametrize(
    ("oggi", "proposto"),
    [
        pytest.param(date(2026, 4, 14), False, id="art-5-4-giorno-prima"),
        pytest.param(date(2026, 4, 15), True, id="art-5-4-primo-giorno"),
        pytest.param(date(2027, 1, 15), True, id="art-5-4-ultimo-giorno"),
        pytest.param(date(2027, 1, 16), False, id="art-5-4-giorno-dopo"),
    ],
)
def test_art_5_4_finestra_di_3_12_mesi_estremi_inclusi(par, oggi: date, proposto: bool) -> None:
    assert bool(valuta(pratica(), oggi, par).lettere) is proposto


def test_art_5_4_avviso_per_posta_senza_spese(par) -> None:
    proposta = sola_lettera(valuta(pratica(), date(2026, 5, 1), par))
    assert (proposta.tipo, proposta.canale, proposta.ruolo) == (
        TipoLettera.AVVISO,
        Canale.POSTA_ORDINARIA,
        Ruolo.DEBITORE,
    )
    assert (proposta.importi.principale, proposta.importi.spese, proposta.importi.totale) == (
        D("100.00"),
        0,
        D("100.00"),
    )


def test_art_5_4_avviso_via_email_se_disponibile(par) -> None:
    debitore = persona(email="mario@example.it")
    assert sola_lettera(valuta(pratica(debitore=debitore), date(2026, 5, 1), par)).canale is Canale.EMAIL


def test_art_5_4_oltre_12_mesi_nessun_invio_e_revisione(par) -> None:
    decisione = valuta(pratica(), date(2027, 2, 1), par)
    assert not decisione.lettere
    assert decisione.esclusione.articolo == "5.4"
    assert [s.tipo for s in decisione.segnalazioni] == [TipoSegnalazione.REVISIONE]


def test_art_5_4_senza_indirizzo_ne_email_revisione(par) -> None:
    decisione = valuta(pratica(debitore=persona(ha_indirizzo=False)), date(2026, 5, 1), par)
    assert "nessun indirizzo" in decisione.esclusione.motivo
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.REVISIONE


# --- Art. 6: the sollecito ------------------------------------------------------------------


def con_avviso(**campi):
    return pratica(lettere=(avviso_del(date(2026, 4, 20)),), **campi)


def test_art_6_5_sollecito_dal_terzo_mese_dopo_l_avviso(par) -> None:
    """Avviso 20/04/2026 + 3 months = 20/07/2026."""
    decisione = valuta(con_avviso(), date(2026, 7, 19), par)
    assert (decisione.esclusione.articolo, decisione.esclusione.dal) == ("6.5", date(2026, 7, 20))
    assert decisione.esclusione.motivo == "sollecito possibile dal 20/07/2026"


def test_art_6_5_raccomandata_senza_pec(par) -> None:
    """The postage (Art. 6 c. 9) is added once per letter when grouping (test_raggruppa.py)."""
    proposta = sola_lettera(valuta(con_avviso(), date(2026, 8, 1), par))
    assert (proposta.tipo, proposta.canale) == (TipoLettera.SOLLECITO, Canale.RACCOMANDATA_AR)
    assert (proposta.importi.spese, proposta.importi.totale) == (D("0.00"), D("100.00"))
    assert [m.articolo for m in proposta.motivi] == ["6.3", "6.5"]


def test_art_6_5_pec_se_disponibile_senza_spese(par) -> None:
    proposta = sola_lettera(
        valuta(con_avviso(debitore=persona(pec="mario@pec.example.it")), date(2026, 8, 1), par)
    )
    assert (proposta.canale, proposta.importi.totale) == (Canale.PEC, D("100.00"))


def test_art_6_5_mai_sollecito_via_email(par) -> None:
    proposta = sola_lettera(valuta(con_avviso(debitore=persona(email="m@example.it")), date(2026, 8, 1), par))
    assert proposta.canale is Canale.RACCOMANDATA_AR


def test_art_6_6_sotto_soglia_senza_pec_nessuna_raccomandata(par) -> None:
    decisione = valuta(con_avviso(importo=D("8.50")), date(2026, 8, 1), par)
    assert not decisione.lettere
    (candidata,) = decisione.sotto_soglia  # out only if grouped above 10,33 € (Art. 6 c. 5)
    assert candidata.canale is Canale.RACCOMANDATA_AR
    assert decisione.esclusione.articolo == "6.6"
    assert decisione.esclusione.motivo == (
        "importo 8,50 € sotto la soglia di 10,33 € e nessuna PEC: la raccomandata non si invia"
    )
    assert not decisione.segnalazioni  # stays open, not written off


def test_art_6_6_soglia_inclusiva(par) -> None:
    proposta = sola_lettera(valuta(con_avviso(importo=D("10.33")), date(2026, 8, 1), par))
    assert (proposta.canale, proposta.importi.totale) == (Canale.RACCOMANDATA_AR, D("10.33"))


def test_art_6_6_la_pec_e_sempre_possibile(par) -> None:
    pratica_piccola = con_avviso(importo=D("3.10"), debitore=persona(pec="a@pec.example.it"))
    assert sola_lettera(valuta(pratica_piccola, date(2026, 8, 1), par)).canale is Canale.PEC


def test_art_6_3_solo_il_residuo_dopo_il_pagamento_parziale(par) -> None:
    """100,00 − 60,00 paid on 01/06/2026 = 40,00; a payment dated after today does not count."""
    pagamenti = (Pagamento(date(2026, 6, 1), D("60.00")), Pagamento(date(2026, 9, 1), D("40.00")))
    proposta = sola_lettera(valuta(con_avviso(pagamenti=pagamenti), date(2026, 8, 1), par))
    assert proposta.importi.principale == D("40.00")


def test_art_6_6_soglia_misurata_sul_residuo(par) -> None:
    """100,00 − 92,00 = 8,00 € left: under 10,33 with no PEC."""
    pagamenti = (Pagamento(date(2026, 6, 1), D("92.00")),)
    decisione = valuta(con_avviso(pagamenti=pagamenti), date(2026, 8, 1), par)
    assert decisione.esclusione.articolo == "6.6"


def test_art_6_5_oltre_12_mesi_dall_avviso_revisione(par) -> None:
    decisione = valuta(con_avviso(), date(2027, 4, 21), par)
    assert decisione.esclusione.articolo == "6.5"
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.REVISIONE


def test_art_6_10_sollecito_in_attesa_della_consegna(par) -> None:
    inviato = sollecito_del(
        date(2026, 8, 1),
        Canale.RACCOMANDATA_AR,
        EsitoStorico.IN_ATTESA,
        spese=D("9.50"),
    )
    decisione = valuta(pratica(lettere=(avviso_del(date(2026, 4, 20)), inviato)), date(2026, 8, 20), par)
    assert decisione.esclusione.articolo == "6.10"


def test_art_8_5_iscrivibile_a_ruolo_tre_mesi_dopo_la_notifica(par) -> None:
    notificato = sollecito_del(
        date(2026, 8, 1),
        Canale.PEC,
        EsitoStorico.CONSEGNATA,
        data_consegna=date(2026, 8, 1),
    )
    decisione = valuta(pratica(lettere=(avviso_del(date(2026, 4, 20)), notificato)), date(2026, 9, 1), par)
    assert (decisione.esclusione.articolo, decisione.esclusione.dal) == ("8.5", date(2026, 11, 1))


def test_art_6_11_pec_fallita_subito_raccomandata(par) -> None:
    """The failed PEC cost nothing, so nothing is charged yet; the raccomandata follows at once."""
    fallita = sollecito_del(date(2026, 8, 1), Canale.PEC, EsitoStorico.MANCATA_CONSEGNA)
    debitore = persona(pec="x@pec.example.it")
    proposta = sola_lettera(
        valuta(
            pratica(debitore=debitore, lettere=(avviso_del(date(2026, 4, 20)), fallita)),
            date(2026, 8, 3),
            par,
        )
    )
    assert (proposta.canale, proposta.importi.spese) == (Canale.RACCOMANDATA_AR, D("0.00"))


def test_art_6_9_spese_dei_solleciti_precedenti_restano_addebitate(par) -> None:
    """A delivered-then-lost raccomandata (9,50) is still charged on the next attempt by PEC."""
    fallita = sollecito_del(
        date(2026, 8, 1),
        Canale.RACCOMANDATA_AR,
        EsitoStorico.MANCATA_CONSEGNA,
        spese=D("9.50"),
    )
    debitore = persona(pec="x@pec.example.it")
    decisione = valuta(
        pratica(debitore=debitore, lettere=(avviso_del(date(2026, 4, 20)), fallita)), date(2026, 9, 1), par
    )
    proposta = sola_lettera(decisione)
    assert (proposta.canale, proposta.importi.spese, proposta.importi.totale) == (
        Canale.PEC,
        D("9.50"),
        D("109.50"),
    )


def test_art_6_11_raccomandata_fallita_verifica_indirizzo(par) -> None:
    fallita = sollecito_del(
        date(2026, 8, 1),
        Canale.RACCOMANDATA_AR,
        EsitoStorico.MANCATA_CONSEGNA,
        spese=D("9.50"),
    )
    decisione = valuta(pratica(lettere=(avviso_del(date(2026, 4, 20)), fallita)), date(2026, 9, 1), par)
    assert decisione.esclusione.articolo == "6.11"
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.REVISIONE


# --- Art. 6 c. 8: minors, bankruptcy, heirs ------------------------------------------------


def test_art_6_8_minore_al_genitore(par) -> None:
    minore = persona(1, data_nascita=date(2015, 3, 15))
    madre = persona(2, pec="madre@pec.example.it")
    padre = persona(3)
    rappresentanti = (Rappresentante(padre, "genitore"), Rappresentante(madre, "genitore"))
    proposta = sola_lettera(
        valuta(con_avviso(debitore=minore, rappresentanti=rappresentanti), date(2026, 8, 1), par)
    )
    assert (proposta.destinatario, proposta.ruolo, proposta.canale) == (madre, Ruolo.GENITORE, Canale.PEC)


def test_art_6_8_minore_diventato_maggiorenne_riceve_lui(par) -> None:
    diciottenne = persona(1, data_nascita=date(2008, 7, 1))
    rappresentanti = (Rappresentante(persona(2), "genitore"),)
    proposta = sola_lettera(
        valuta(con_avviso(debitore=diciottenne, rappresentanti=rappresentanti), date(2026, 8, 1), par)
    )
    assert proposta.ruolo is Ruolo.DEBITORE


def test_art_6_8_minore_senza_genitori_revisione(par) -> None:
    decisione = valuta(con_avviso(debitore=persona(data_nascita=date(2015, 3, 15))), date(2026, 8, 1), par)
    assert decisione.esclusione.articolo == "6.8"
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.REVISIONE


def test_art_6_8_fallimento_nessuna_lettera_segnalazione_al_legale(par) -> None:
    ditta = persona(tipo=TipoSoggetto.GIURIDICA, fallimento_il=date(2026, 3, 1))
    decisione = valuta(pratica(debitore=ditta, tipo=TipoCredito.B), date(2026, 5, 1), par)
    assert not decisione.lettere and decisione.esclusione.articolo == "6.8"
    (segnalazione,) = decisione.segnalazioni
    assert (segnalazione.tipo, segnalazione.importi.principale) == (TipoSegnalazione.FALLIMENTO, D("100.00"))


def test_art_6_8_una_lettera_per_erede_con_la_sua_quota(par) -> None:
    """100,00 € in thirds: 33,34 + 33,33 + 33,33 (largest remainder, ties to the first)."""
    defunto = persona(1, deceduto_il=date(2026, 3, 1))
    eredi = tuple(Erede(persona(i, pec=f"e{i}@pec.example.it"), Fraction(1, 3)) for i in (2, 3, 4))
    decisione = valuta(con_avviso(debitore=defunto, eredi=eredi), date(2026, 8, 1), par)
    assert [x.importi.principale for x in decisione.lettere] == [D("33.34"), D("33.33"), D("33.33")]
    assert {x.tipo for x in decisione.lettere} == {TipoLettera.EREDI}
    assert [x.destinatario.id for x in decisione.lettere] == [2, 3, 4]


def test_art_6_8_erede_sotto_soglia_senza_pec_in_attesa_di_raggruppamento(par) -> None:
    """1/10 of 100,00 = 10,00 € < 10,33 without PEC: a raccomandata only if grouped above it."""
    defunto = persona(1, deceduto_il=date(2026, 3, 1))
    eredi = (Erede(persona(2, pec="e2@pec.example.it"), Fraction(9, 10)), Erede(persona(3), Fraction(1, 10)))
    decisione = valuta(con_avviso(debitore=defunto, eredi=eredi), date(2026, 8, 1), par)
    assert [x.destinatario.id for x in decisione.lettere] == [2]
    (candidata,) = decisione.sotto_soglia
    assert (candidata.destinatario.id, candidata.importi.principale) == (3, D("10.00"))


def test_art_6_8_erede_senza_pec_ne_indirizzo_segnalato(par) -> None:
    defunto = persona(1, deceduto_il=date(2026, 3, 1))
    eredi = (Erede(persona(2, ha_indirizzo=False), Fraction(1)),)
    decisione = valuta(con_avviso(debitore=defunto, eredi=eredi), date(2026, 8, 1), par)
    assert not decisione.lettere
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.REVISIONE
    assert "erede CF00000000000002" in decisione.segnalazioni[0].motivo


def test_art_6_8_defunto_senza_eredi_proposta_di_stralcio(par) -> None:
    decisione = valuta(con_avviso(debitore=persona(deceduto_il=date(2026, 3, 1))), date(2026, 8, 1), par)
    assert decisione.esclusione.articolo == "6.8"
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.STRALCIO


# --- Art. 5 c. 6, Art. 6 c. 3: blocked or closed credits ------------------------------------


@pytest.mark.parametrize(
    ("stato", "articolo"),
    [
        pytest.param(StatoCredito.CONTESTATO, "5.6", id="art-5-6-contestazione-blocca"),
        pytest.param(StatoCredito.PAGATO, "6.3", id="art-6-3-pagato"),
        pytest.param(StatoCredito.STRALCIATO, "6.11", id="art-6-11-stralciato"),
        pytest.param(StatoCredito.A_RUOLO, "8.9", id="art-8-9-gia-a-ruolo"),
    ],
)
def test_crediti_bloccati_o_chiusi(par, stato: StatoCredito, articolo: str) -> None:
    decisione = valuta(con_avviso(stato=stato), date(2026, 8, 1), par)
    assert not decisione.lettere and decisione.esclusione.articolo == articolo


# --- Art. 1 c. 3: prescription ---------------------------------------------------------------


def test_art_1_3_prescritto_nessuna_lettera_proposta_di_stralcio(par) -> None:
    """Due 19/02/2016 (document 20/01/2016 + 30) + 10 years = 19/02/2026."""
    vecchia = pratica(data_prestazione=date(2016, 1, 15), data_documento=date(2016, 1, 20))
    decisione = valuta(vecchia, date(2026, 2, 20), par)
    assert decisione.esclusione.articolo == "1.3"
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.STRALCIO


def test_art_1_3_il_sollecito_consegnato_interrompe(par) -> None:
    vecchia = pratica(
        data_prestazione=date(2016, 1, 15),
        data_documento=date(2016, 1, 20),
        lettere=(
            avviso_del(date(2016, 5, 1)),
            sollecito_del(
                date(2016, 9, 1),
                Canale.RACCOMANDATA_AR,
                EsitoStorico.CONSEGNATA,
                data_consegna=date(2016, 9, 5),
            ),
        ),
    )
    decisione = valuta(vecchia, date(2026, 2, 20), par)
    assert decisione.esclusione.articolo == "8.5"  # prescription now 05/09/2026


def test_art_1_3_l_avviso_non_interrompe(par) -> None:
    vecchia = pratica(
        data_prestazione=date(2016, 1, 15),
        data_documento=date(2016, 1, 20),
        lettere=(avviso_del(date(2016, 5, 1)),),
    )
    assert valuta(vecchia, date(2026, 2, 20), par).esclusione.articolo == "1.3"


def test_art_1_3_vicino_alla_prescrizione_segnalato(par) -> None:
    """Prescription 19/02/2026; 6 months before = 19/08/2025: warned, and the procedure goes on."""
    vecchia = pratica(
        data_prestazione=date(2016, 1, 15),
        data_documento=date(2016, 1, 20),
        lettere=(avviso_del(date(2025, 6, 1)),),
    )
    decisione = valuta(vecchia, date(2025, 9, 1), par)
    assert decisione.lettere and decisione.lettere[0].tipo is TipoLettera.SOLLECITO
    assert [s.tipo for s in decisione.segnalazioni] == [TipoSegnalazione.PRESCRIZIONE]


def test_art_1_3_tipo_e_cinque_anni(par) -> None:
    sanzione = pratica(
        tipo=TipoCredito.E, data_prestazione=date(2021, 1, 10), data_documento=date(2021, 2, 1)
    )
    assert valuta(sanzione, date(2026, 1, 11), par).esclusione.articolo == "1.3"


# --- Art. 3 c. 2–3: types e and f ------------------------------------------------------------


def test_art_3_2_sanzione_senza_avviso_in_attesa_dell_ordinanza(par) -> None:
    decisione = valuta(pratica(tipo=TipoCredito.E), date(2026, 5, 1), par)
    assert not decisione.lettere and decisione.esclusione.articolo == "3.2"


def test_art_3_2_ordinanza_notificata_poi_ruolo_diretto(par) -> None:
    """Notified 02/03/2026 + 30 days = 01/04/2026; enforced from 02/04/2026."""
    ordinanza = lettera(
        TipoLettera.ORDINANZA_INGIUNZIONE,
        date(2026, 2, 25),
        Canale.RACCOMANDATA_AR,
        EsitoStorico.CONSEGNATA,
        data_consegna=date(2026, 3, 2),
    )
    sanzione = pratica(tipo=TipoCredito.E, lettere=(ordinanza,))
    assert valuta(sanzione, date(2026, 4, 1), par).esclusione.dal == date(2026, 4, 2)
    decisione = valuta(sanzione, date(2026, 4, 2), par)
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.RUOLO_DIRETTO
    assert decisione.segnalazioni[0].importi.principale == D("100.00")


def test_art_3_3_controlli_sanitari_maggiorazione_e_interessi(par) -> None:
    """Request 20/01/2026 + 60 days = 21/03/2026. On 30/06/2026: 101 days in 2026 at 1,6 %.

    Surcharge 30 % of 1.000,00 = 300,00; interest 1.000,00 × 1,6 % × 101/365 = 4,4274 → 4,43.
    """
    tariffa = pratica(tipo=TipoCredito.F, importo=D("1000.00"))
    assert valuta(tariffa, date(2026, 3, 21), par).esclusione.dal == date(2026, 3, 22)
    decisione = valuta(tariffa, date(2026, 6, 30), par)
    (ruolo,) = decisione.segnalazioni
    assert ruolo.tipo is TipoSegnalazione.RUOLO_DIRETTO
    assert (ruolo.importi.maggiorazione, ruolo.importi.interessi, ruolo.importi.totale) == (
        D("300.00"),
        D("4.43"),
        D("1304.43"),
    )
    assert not decisione.lettere


def test_art_3_3_tasso_legale_mancante_chiede_una_verifica(par) -> None:
    """The config's table starts in 2015: a 2014 tariff cannot be computed, and says why."""
    tariffa = pratica(tipo=TipoCredito.F, data_prestazione=date(2014, 1, 1), data_documento=date(2014, 1, 1))
    decisione = valuta(tariffa, date(2015, 1, 1), par)
    assert decisione.esclusione.articolo == "3.3"
    assert "2014" in decisione.esclusione.motivo and "interessi.legali" in decisione.esclusione.motivo
    assert decisione.segnalazioni[0].tipo is TipoSegnalazione.REVISIONE


def test_art_5_5_soglia_minima_dell_avviso_configurabile(par) -> None:
    """No minimum by default; an office may set one for proportionality (Art. 5 c. 5)."""
    assert valuta(pratica(importo=D("2.00")), date(2026, 5, 1), par).lettere
    regole = par.regole.model_copy(
        update={"avviso": par.regole.avviso.model_copy(update={"importo_minimo": D("5.00")})}
    )
    decisione = valuta(pratica(importo=D("2.00")), date(2026, 5, 1), replace(par, regole=regole))
    assert decisione.esclusione.articolo == "5.5"
