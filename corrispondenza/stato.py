"""The states of a credit and the one table of allowed transitions (STYLE.md, "One place for state").

Two things are tracked for a credit: its *stato* (is anything still owed, and may we act?)
and its *fase* (how far the procedure of Art. 3 has gone). Only ``store.giornale.cambia_stato``
and ``store.giornale.avanza_fase`` change them, and each change appends to the journal.
Later issues add the states of letters and lotti here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.errors import TransizioneNonValidaError


class StatoCredito(StrEnum):
    APERTO = "aperto"
    PAGATO = "pagato"
    CONTESTATO = "contestato"
    STRALCIATO = "stralciato"
    A_RUOLO = "a_ruolo"


class FaseCredito(StrEnum):
    """Art. 3: the phases of recovery, in order. Type e skips avviso/sollecito (Art. 3 c. 2)."""

    RILEVAZIONE = "rilevazione"
    AVVISO = "avviso"
    SOLLECITO = "sollecito"
    RATEIZZAZIONE = "rateizzazione"
    ORDINANZA_INGIUNZIONE = "ordinanza_ingiunzione"
    RUOLO = "ruolo"


TRANSIZIONI_CREDITO: dict[StatoCredito, frozenset[StatoCredito]] = {
    StatoCredito.APERTO: frozenset(
        {
            StatoCredito.PAGATO,
            StatoCredito.CONTESTATO,
            StatoCredito.STRALCIATO,
            StatoCredito.A_RUOLO,
        }
    ),
    # A corrected payment record can reopen a credit believed paid.
    StatoCredito.PAGATO: frozenset({StatoCredito.APERTO}),
    # Art. 5 c. 6, Art. 6 c. 11: rejected → the procedure resumes; accepted → stralcio.
    StatoCredito.CONTESTATO: frozenset({StatoCredito.APERTO, StatoCredito.STRALCIATO}),
    # Art. 8 c. 10: a contestation accepted after enrolment leads to a (partial) stralcio.
    StatoCredito.A_RUOLO: frozenset({StatoCredito.STRALCIATO}),
    StatoCredito.STRALCIATO: frozenset(),
}

ORDINE_FASI: tuple[FaseCredito, ...] = tuple(FaseCredito)


def verifica_transizione(da: StatoCredito, a: StatoCredito) -> None:
    """Raise if the table does not allow ``da`` → ``a``."""
    _verifica(TRANSIZIONI_CREDITO, da, a, "Il credito")


def _verifica(tabella: Mapping[Any, frozenset[Any]], da: StrEnum, a: StrEnum, chi: str) -> None:
    if a not in tabella[da]:
        raise TransizioneNonValidaError(
            f"{chi} non può passare dallo stato «{da}» allo stato «{a}».", da=da, a=a
        )


FASE_DOPO: dict[TipoLettera, FaseCredito] = {
    TipoLettera.AVVISO: FaseCredito.AVVISO,
    TipoLettera.SOLLECITO: FaseCredito.SOLLECITO,
    TipoLettera.EREDI: FaseCredito.SOLLECITO,  # the letter to the heirs takes the sollecito's place
    TipoLettera.RATEIZZAZIONE_RESPINTA: FaseCredito.SOLLECITO,
    TipoLettera.RATEIZZAZIONE_ACCOLTA: FaseCredito.RATEIZZAZIONE,
    TipoLettera.ORDINANZA_INGIUNZIONE: FaseCredito.ORDINANZA_INGIUNZIONE,
}
"""The phase (Art. 3) a credit reaches once a letter of each kind has gone out for it."""


def fase_successiva(attuale: FaseCredito, proposta: FaseCredito) -> bool:
    """True when ``proposta`` is further along than ``attuale``: phases never go back."""
    return ORDINE_FASI.index(proposta) > ORDINE_FASI.index(attuale)


class StatoLotto(StrEnum):
    """A mailing batch: proposed by ``pianifica``, reviewed, approved (amounts frozen), then
    generated and sent (later steps); or cancelled before it leaves."""

    PROPOSTA = "proposta"
    APPROVATA = "approvata"
    GENERATA = "generata"
    INVIATA = "inviata"
    ANNULLATA = "annullata"


TRANSIZIONI_LOTTO: dict[StatoLotto, frozenset[StatoLotto]] = {
    StatoLotto.PROPOSTA: frozenset({StatoLotto.APPROVATA, StatoLotto.ANNULLATA}),
    StatoLotto.APPROVATA: frozenset({StatoLotto.GENERATA, StatoLotto.ANNULLATA}),
    StatoLotto.GENERATA: frozenset({StatoLotto.INVIATA, StatoLotto.ANNULLATA}),
    StatoLotto.INVIATA: frozenset(),
    StatoLotto.ANNULLATA: frozenset(),
}
LOTTI_APERTI = frozenset({StatoLotto.PROPOSTA, StatoLotto.APPROVATA, StatoLotto.GENERATA})


class StatoLettera(StrEnum):
    """Where *we* are with a letter (STYLE.md: the first of the two axes; the provider's
    receipts are the second, added with the PEC issues)."""

    BOZZA = "bozza"
    APPROVATA = "approvata"
    GENERATA = "generata"
    IN_INVIO = "in_invio"
    INVIATA = "inviata"
    DA_RITENTARE = "da_ritentare"
    FALLITA = "fallita"
    ANNULLATA = "annullata"


TRANSIZIONI_LETTERA: dict[StatoLettera, frozenset[StatoLettera]] = {
    StatoLettera.BOZZA: frozenset({StatoLettera.APPROVATA, StatoLettera.ANNULLATA}),
    # generated again after a crash, or after the template changed, before it leaves
    StatoLettera.APPROVATA: frozenset({StatoLettera.GENERATA, StatoLettera.ANNULLATA}),
    # posta: GENERATA -> INVIATA when the letter is handed to the postal service with its bundle
    StatoLettera.GENERATA: frozenset(
        {StatoLettera.GENERATA, StatoLettera.IN_INVIO, StatoLettera.INVIATA, StatoLettera.ANNULLATA}
    ),
    # IN_INVIO -> IN_INVIO: a letter caught mid-send by a crash, resolved as still uncertain
    StatoLettera.IN_INVIO: frozenset(
        {StatoLettera.IN_INVIO, StatoLettera.INVIATA, StatoLettera.DA_RITENTARE, StatoLettera.FALLITA}
    ),
    StatoLettera.DA_RITENTARE: frozenset({StatoLettera.IN_INVIO, StatoLettera.FALLITA}),
    StatoLettera.INVIATA: frozenset(),
    StatoLettera.FALLITA: frozenset(),
    StatoLettera.ANNULLATA: frozenset(),
}


class Riscontro(StrEnum):
    """What the *world* says of a letter (STYLE.md: the second axis), from the provider's receipts.

    Receipts arrive late and out of order (RICEVUTE.md, "Timing and states"): the rank below
    decides, never the arrival order, so a late acceptance cannot undo a delivery.
    """

    ACCETTATA = "accettata"
    NON_ACCETTATA = "non_accettata"
    PREAVVISO = "preavviso"
    ERRORE_CONSEGNA = "errore_consegna"
    CONSEGNATA = "consegnata"


RANGO_RISCONTRO: dict[Riscontro, int] = {
    Riscontro.ACCETTATA: 10,
    Riscontro.NON_ACCETTATA: 20,
    Riscontro.PREAVVISO: 30,
    Riscontro.ERRORE_CONSEGNA: 40,
    Riscontro.CONSEGNATA: 50,
}


def riscontro_prevale(attuale: Riscontro | None, nuovo: Riscontro) -> bool:
    """True when ``nuovo`` is stronger than what is recorded: only then does it replace it."""
    return attuale is None or RANGO_RISCONTRO[nuovo] > RANGO_RISCONTRO[attuale]


def verifica_transizione_lettera(da: StatoLettera, a: StatoLettera) -> None:
    """Raise if the letter table does not allow ``da`` → ``a``."""
    _verifica(TRANSIZIONI_LETTERA, da, a, "La lettera")


def verifica_transizione_lotto(da: StatoLotto, a: StatoLotto) -> None:
    """Raise if the lotto table does not allow ``da`` → ``a``."""
    _verifica(TRANSIZIONI_LOTTO, da, a, "Il lotto")
