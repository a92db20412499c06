"""Art. 6 c. 8: a deceased debtor — one letter per heir for their share, or a stralcio proposal.

The letter to the heirs takes the place of the sollecito (same channel rules: PEC, else
raccomandata A/R from the ruolo minimum). Its timing is the sollecito's when an avviso reached
the debtor in life; otherwise it is the heirs' first notice and follows the avviso's window
(docs/regolamento.md). No heir known, or an amount the office does not pursue → stralcio.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.dominio.pratica import LetteraInviata, Pratica
from corrispondenza.dominio.tipi import Canale, TipoLettera
from corrispondenza.regole.canali import canale_formale
from corrispondenza.regole.destinatari import Destinatario, eredi, ripartisci
from corrispondenza.regole.esito import (
    Decisione,
    Esclusione,
    Importi,
    LetteraProposta,
    Motivo,
    Segnalazione,
    TipoSegnalazione,
)
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.procedura import (
    escludi,
    finestra_avviso,
    finestra_sollecito,
    revisione,
    sotto_soglia,
    spese_addebitate,
)
from corrispondenza.regole.tempo import Finestra, aggiungi_mesi, formatta_data


def lettere_agli_eredi(pratica: Pratica, oggi: date, par: Parametri) -> Decisione:
    residuo = pratica.residuo(oggi)
    chiamati = eredi(pratica)
    if not chiamati:
        return _stralcio(pratica, residuo, "nessun erede noto")
    if residuo < par.regole.eredi_importo_minimo:
        return _stralcio(pratica, residuo, "importo non conveniente da recuperare")
    finestra = _finestra(pratica, par)
    if finestra.prima(oggi):
        return escludi(
            pratica, "6.8", f"lettera agli eredi possibile dal {formatta_data(finestra.dal)}", finestra.dal
        )
    inviate = {x.destinatario_id: x for x in pratica.lettere_di(TipoLettera.EREDI)}
    if not inviate and finestra.dopo(oggi):
        return revisione(
            pratica, "6.8", "debitore deceduto, finestra dei solleciti superata: serve una verifica"
        )
    quote = ripartisci(residuo, [e.quota for e in chiamati])
    spese = ripartisci(spese_addebitate(pratica), [e.quota for e in chiamati])
    esiti = [
        _per_erede(erede, parte, spesa, inviate.get(erede.persona.id), par)
        for erede, parte, spesa in zip(chiamati, quote, spese, strict=True)
    ]
    proposte = tuple(e for e in esiti if isinstance(e, LetteraProposta))
    problemi = tuple(e for e in esiti if isinstance(e, Segnalazione))
    sotto = tuple(e.lettera for e in esiti if isinstance(e, _SottoSoglia))
    if proposte:
        return Decisione(pratica.credito_id, lettere=proposte, segnalazioni=problemi, sotto_soglia=sotto)
    attese = [e for e in esiti if not isinstance(e, LetteraProposta)]
    primo = attese[0]
    testo = primo.motivo.split(": ", 1)[-1] + (
        f" (e per altri {len(attese) - 1} eredi)" if len(attese) > 1 else ""
    )
    return replace(
        escludi(pratica, primo.articolo, f"lettera agli eredi: {testo}", None, *problemi), sotto_soglia=sotto
    )


@dataclass(frozen=True, slots=True)
class _SottoSoglia:
    """An heir's raccomandata under the ruolo minimum: out only if grouped above it."""

    lettera: LetteraProposta
    articolo: str
    motivo: str


def _finestra(pratica: Pratica, par: Parametri) -> Finestra:
    """The sollecito's window after an avviso to the debtor in life; else the avviso's."""
    avvisi = pratica.lettere_di(TipoLettera.AVVISO)
    if avvisi:
        return finestra_sollecito(avvisi[-1], par.regole)
    return finestra_avviso(pratica, par.regole)


def _per_erede(
    erede: Destinatario,
    parte: Decimal,
    spesa: Decimal,
    gia_inviata: LetteraInviata | None,
    par: Parametri,
) -> LetteraProposta | Esclusione | Segnalazione | _SottoSoglia:
    """This heir's letter; or why not yet (Esclusione); or a problem a person must solve."""
    cf = erede.persona.codice_fiscale
    falliti: frozenset[Canale] = frozenset()
    if gia_inviata is not None:
        if gia_inviata.notificata and gia_inviata.data_consegna is not None:
            dal = aggiungi_mesi(gia_inviata.data_consegna, par.regole.ruolo.mesi_dopo_notifica)
            testo = f"erede {cf}: lettera notificata, iscrivibile a ruolo dal {formatta_data(dal)}"
            return Esclusione("8.5", testo, dal)
        if not gia_inviata.fallita:
            return Esclusione("6.10", f"erede {cf}: lettera in attesa della prova di consegna")
        falliti = frozenset({gia_inviata.canale})
    scelta = canale_formale(erede.persona, parte, par.regole, falliti)
    importi = Importi(principale=parte, spese=spesa)
    quota = f"debitore deceduto: all'erede la sua quota ({erede.quota}), {formatta_euro(parte)}"
    motivi = (Motivo("6.8", quota), scelta.motivo)
    if scelta.canale is not None:
        return LetteraProposta(TipoLettera.EREDI, scelta.canale, erede.persona, erede.ruolo, importi, motivi)
    testo = f"erede {cf}: {scelta.motivo.testo}"
    if scelta.motivo.articolo == "6.6":
        candidata = sotto_soglia(TipoLettera.EREDI, erede, importi, falliti, motivi)
        if candidata:
            return _SottoSoglia(candidata[0], "6.6", testo)
    return Segnalazione(TipoSegnalazione.REVISIONE, scelta.motivo.articolo, testo, destinatario=erede.persona)


def _stralcio(pratica: Pratica, residuo: Decimal, perche: str) -> Decisione:
    testo = f"debitore deceduto, {perche}: proposta di stralcio al Servizio Bilancio"
    segnalazione = Segnalazione(TipoSegnalazione.STRALCIO, "6.8", testo, Importi(principale=residuo))
    return escludi(pratica, "6.8", testo, None, segnalazione)
