"""Properties that must hold for any credit on any day (hypothesis), whatever the combination."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from corrispondenza.dominio.pratica import Erede, Pagamento
from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoCredito, TipoLettera, TipoSoggetto
from corrispondenza.regole.destinatari import ripartisci
from corrispondenza.regole.prescrizione import prescritto
from corrispondenza.regole.valuta import valuta
from corrispondenza.stato import StatoCredito

from .conftest import lettera, persona, pratica, sollecito_del

importi = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
giorni = st.dates(min_value=date(2014, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def pratiche(draw):
    servizio = draw(giorni)
    importo = draw(importi)
    debitore = persona(
        tipo=draw(st.sampled_from(TipoSoggetto)),
        data_nascita=draw(st.one_of(st.none(), st.dates(date(1930, 1, 1), date(2025, 1, 1)))),
        pec=draw(st.one_of(st.none(), st.just("x@pec.example.it"))),
        email=draw(st.one_of(st.none(), st.just("x@example.it"))),
        ha_indirizzo=draw(st.booleans()),
        deceduto_il=draw(st.one_of(st.none(), giorni)),
        fallimento_il=draw(st.one_of(st.none(), giorni)),
    )
    pagato = draw(st.one_of(st.just(Decimal(0)), st.decimals(Decimal(0), importo, places=2)))
    lettere = []
    if draw(st.booleans()):
        invio = servizio + timedelta(days=draw(st.integers(90, 400)))
        lettere.append(lettera(TipoLettera.AVVISO, invio, Canale.POSTA_ORDINARIA, EsitoStorico.INVIATA))
        if draw(st.booleans()):
            canale = draw(st.sampled_from([Canale.PEC, Canale.RACCOMANDATA_AR]))
            esito = draw(
                st.sampled_from(
                    [EsitoStorico.CONSEGNATA, EsitoStorico.MANCATA_CONSEGNA, EsitoStorico.IN_ATTESA]
                )
            )
            invio2 = invio + timedelta(days=draw(st.integers(90, 400)))
            consegna = invio2 + timedelta(days=2) if esito is EsitoStorico.CONSEGNATA else None
            lettere.append(sollecito_del(invio2, canale, esito, data_consegna=consegna))
    eredi = tuple(Erede(persona(10 + i), Fraction(1, 2)) for i in range(draw(st.integers(0, 2))))
    return pratica(
        tipo=draw(st.sampled_from(TipoCredito)),
        importo=importo,
        data_prestazione=servizio,
        data_documento=servizio + timedelta(days=draw(st.integers(0, 40))),
        debitore=debitore,
        stato=draw(st.sampled_from(StatoCredito)),
        pagamenti=(Pagamento(servizio, pagato),) if pagato else (),
        lettere=tuple(lettere),
        eredi=eredi,
    )


@settings(max_examples=400, deadline=None)
@given(pratiche(), giorni)
def test_mai_lettere_per_crediti_pagati_prescritti_contestati_o_falliti(par, p, oggi) -> None:
    decisione = valuta(p, oggi, par)
    if not decisione.lettere:
        return
    assert p.stato is StatoCredito.APERTO
    assert p.residuo(oggi) > 0
    assert not prescritto(p, oggi, par.regole)
    assert not p.debitore.fallito(oggi)


@settings(max_examples=400, deadline=None)
@given(pratiche(), giorni)
def test_mai_raccomandata_sotto_soglia_mai_sollecito_via_email(par, p, oggi) -> None:
    for proposta in valuta(p, oggi, par).lettere:
        if proposta.canale is Canale.RACCOMANDATA_AR:
            assert proposta.importi.principale >= par.regole.soglia_ruolo
        if proposta.tipo in (TipoLettera.SOLLECITO, TipoLettera.EREDI):
            assert proposta.canale in (Canale.PEC, Canale.RACCOMANDATA_AR)
        if proposta.tipo is TipoLettera.AVVISO:
            assert proposta.importi.spese == 0 and proposta.importi.interessi == 0


@settings(max_examples=400, deadline=None)
@given(pratiche(), giorni)
def test_una_sola_lettera_per_destinatario_e_importi_coerenti(par, p, oggi) -> None:
    lettere = valuta(p, oggi, par).lettere
    assert len({x.destinatario.id for x in lettere}) == len(lettere)
    assert sum((x.importi.principale for x in lettere), Decimal(0)) <= p.residuo(oggi)
    assert all(x.importi.principale > 0 for x in lettere)


@given(
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2),
    st.lists(st.integers(1, 12), min_size=1, max_size=6),
)
def test_le_quote_degli_eredi_sommano_esattamente(importo: Decimal, pesi: list[int]) -> None:
    quote = [Fraction(p, sum(pesi)) for p in pesi]
    parti = ripartisci(importo, quote)
    assert sum(parti) == importo
    assert all(p >= 0 and p.as_tuple().exponent == -2 for p in parti)
    assert max(parti) - min(parti) <= importo  # trivially; no negative part


@settings(max_examples=150, deadline=None)
@given(st.lists(pratiche(), min_size=1, max_size=6), giorni)
def test_mai_due_lettere_dello_stesso_tipo_per_lo_stesso_credito(par, elenco, oggi) -> None:
    """Grouping never puts a credit in two letters of one kind (per heir, one letter each)."""
    from dataclasses import replace as sostituisci

    from corrispondenza.regole.raggruppa import raggruppa

    numerate = [sostituisci(p, credito_id=i) for i, p in enumerate(elenco, start=1)]
    proposte = raggruppa([(p, valuta(p, oggi, par)) for p in numerate], par)
    visti = [(c, x.tipo, x.destinatario.id) for x in proposte.lettere for c in x.crediti]
    assert len(visti) == len(set(visti))
    assert proposte == raggruppa([(p, valuta(p, oggi, par)) for p in numerate], par)  # deterministic
