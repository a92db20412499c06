"""The event journal and the only functions that change a credit's stato or fase.

Every state change goes through ``cambia_stato`` / ``avanza_fase``, which check the one
transition table (``stato.py``) and append the event in the same transaction: the audit
trail can never disagree with the data (STYLE.md, "One place for state").
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, select
from sqlalchemy.orm import Session

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.orologio import adesso
from corrispondenza.stato import (
    FASE_DOPO,
    FaseCredito,
    Riscontro,
    StatoCredito,
    StatoLettera,
    fase_successiva,
    riscontro_prevale,
    verifica_transizione,
    verifica_transizione_lettera,
)
from corrispondenza.store.database import inserisci_colonne
from corrispondenza.store.tabelle import Credito, Evento, Lettera, LetteraCredito


@dataclass(frozen=True)
class Operazione:
    """Who acts and when: stamped on every event of one command run."""

    operatore: str
    quando: datetime = field(default_factory=adesso)

    @classmethod
    def corrente(cls) -> Operazione:
        """The person at the terminal: $CORRISPONDENZA_OPERATORE, else the system user."""
        nome = os.environ.get("CORRISPONDENZA_OPERATORE") or _utente_di_sistema()
        return cls(operatore=nome[:100])


def _utente_di_sistema() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "sconosciuto"


def registra(
    s: Session,
    op: Operazione,
    *,
    cosa: str,
    perche: str,
    entita: str,
    entita_id: int | None,
    dati: dict[str, Any] | None = None,
    importazione_id: int | None = None,
) -> None:
    """Append one event. There is deliberately no function to change or remove one.

    Inside ``in_blocco(s)`` the event is kept and written with the others of the block.
    """
    in_attesa = s.info.get(_IN_BLOCCO)
    if in_attesa is None:
        s.add(
            Evento(
                quando=op.quando,
                operatore=op.operatore,
                cosa=cosa,
                perche=perche,
                entita=entita,
                entita_id=entita_id,
                dati=dati,
                importazione_id=importazione_id,
            )
        )
    else:
        in_attesa.append(_riga(op, cosa, perche, entita, entita_id, dati, importazione_id))


def _riga(
    op: Operazione,
    cosa: str,
    perche: str,
    entita: str,
    entita_id: int | None,
    dati: dict[str, Any] | None,
    importazione_id: int | None,
) -> tuple[Any, ...]:
    """An event as ``in_blocco`` keeps it: its values in the order of ``_COLONNE_IN_BLOCCO``.

    Positional, so that ``registra_riscontro`` (once per receipt) pays no keyword arguments; no
    ``dati`` is stored as the ORM stores it: JSON null, not SQL NULL.
    """
    return (
        op.quando,
        op.operatore,
        cosa,
        perche,
        entita,
        entita_id,
        JSON.NULL if dati is None else dati,
        importazione_id,
    )


_IN_BLOCCO = "corrispondenza.giornale.in_blocco"
_COLONNE_IN_BLOCCO = (
    "quando",
    "operatore",
    "cosa",
    "perche",
    "entita",
    "entita_id",
    "dati",
    "importazione_id",
)
"""The order of the values ``registra`` keeps inside ``in_blocco``: a tuple per event, not a dict."""


@contextmanager
def in_blocco(s: Session) -> Iterator[None]:
    """The events of the block written together when it ends, with one driver-level insert.

    For hot paths that journal thousands of events in a transaction (``ricevute``: one per
    receipt): an ORM object per event cost more than all the rest of applying the receipt. The
    events keep their order and go into the same transaction; if the block raises, none is
    written (the caller's transaction is rolled back anyway). Within the block the new events
    are not yet in the table: nothing there reads the journal.
    """
    if _IN_BLOCCO in s.info:  # already inside one: the outer block writes them
        yield
        return
    in_attesa: list[tuple[Any, ...]] = []
    s.info[_IN_BLOCCO] = in_attesa
    try:
        yield
    finally:
        del s.info[_IN_BLOCCO]
    inserisci_colonne(s, Evento, _COLONNE_IN_BLOCCO, in_attesa)


def cambia_stato(
    s: Session,
    op: Operazione,
    credito: Credito,
    nuovo: StatoCredito,
    perche: str,
    *,
    importazione_id: int | None = None,
    **dati: Any,
) -> None:
    """Move a credit to ``nuovo`` if the table allows it, and journal the change."""
    attuale = StatoCredito(credito.stato)
    if attuale == nuovo:
        return
    verifica_transizione(attuale, nuovo)
    credito.stato = nuovo
    registra(
        s,
        op,
        cosa="credito.stato",
        perche=perche,
        entita="credito",
        entita_id=credito.id,
        dati={"da": attuale.value, "a": nuovo.value, **dati},
        importazione_id=importazione_id,
    )


def avanza_fase(
    s: Session,
    op: Operazione,
    credito: Credito,
    fase: FaseCredito,
    perche: str,
    *,
    importazione_id: int | None = None,
    **dati: Any,
) -> bool:
    """Advance the procedure phase (Art. 3); an older letter never moves it back."""
    attuale = FaseCredito(credito.fase)
    if not fase_successiva(attuale, fase):
        return False
    credito.fase = fase
    registra(
        s,
        op,
        cosa="credito.fase",
        perche=perche,
        entita="credito",
        entita_id=credito.id,
        dati={"da": attuale.value, "a": fase.value, **dati},
        importazione_id=importazione_id,
    )
    return True


def cambia_stato_lettera(
    s: Session, op: Operazione, lettera: Lettera, nuovo: StatoLettera, perche: str, **dati: Any
) -> None:
    """Move a letter along *our* axis if the table allows it, and journal the change."""
    attuale = StatoLettera(lettera.stato)
    verifica_transizione_lettera(attuale, nuovo)
    lettera.stato = nuovo
    registra(
        s,
        op,
        cosa="lettera.stato",
        perche=perche,
        entita="lettera",
        entita_id=lettera.id,
        dati={"da": attuale.value, "a": nuovo.value, **dati},
    )


def lettera_partita(s: Session, op: Operazione, lettera: Lettera, perche: str, **dati: Any) -> None:
    """The letter left (sent, or handed to the post): ``inviata``, and its credits reach the
    phase of that letter (Art. 3), journaled like every change."""
    cambia_stato_lettera(s, op, lettera, StatoLettera.INVIATA, perche, **dati)
    fase = FASE_DOPO[TipoLettera(lettera.tipo)]
    crediti = s.scalars(
        select(Credito)
        .join(LetteraCredito, LetteraCredito.credito_id == Credito.id)
        .where(LetteraCredito.lettera_id == lettera.id)
    )
    for credito in crediti:
        avanza_fase(
            s, op, credito, fase, f"{lettera.tipo} inviata (lettera {lettera.id})", lettera=lettera.id
        )


class ConRiscontro(Protocol):
    """A letter as ``registra_riscontro`` needs it: the ORM's, or the lighter one of
    ``ricevute/effetti`` (a batch of receipts touches hundreds)."""

    id: int
    riscontro: str | None


def registra_riscontro(
    s: Session, op: Operazione, lettera: ConRiscontro, riscontro: Riscontro, perche: str, **dati: Any
) -> bool:
    """Record what the provider said, only if it outranks what is known (RICEVUTE.md: monotonic).

    ``ricevute`` calls this once per receipt, inside ``in_blocco``: there the event's tuple is
    appended here by ``_riga``, as ``registra`` does, without its keyword arguments; and the enum is found
    by a dict, not ``Riscontro(...)`` nor ``.value`` (each dearer than the rest of the check).
    A value that is not a ``Riscontro`` still goes to ``Riscontro(...)``, which raises.
    """
    prima = lettera.riscontro
    attuale = (_RISCONTRI.get(prima) or Riscontro(prima)) if prima else None
    if not riscontro_prevale(attuale, riscontro):
        return False
    lettera.riscontro = riscontro
    evento = {
        "da": None if attuale is None else _RISCONTRI_VALORE[attuale],
        "a": _RISCONTRI_VALORE[riscontro],
        **dati,
    }
    in_attesa = s.info.get(_IN_BLOCCO)
    if in_attesa is None:
        registra(
            s,
            op,
            cosa="lettera.riscontro",
            perche=perche,
            entita="lettera",
            entita_id=lettera.id,
            dati=evento,
        )
    else:
        in_attesa.append(_riga(op, "lettera.riscontro", perche, "lettera", lettera.id, evento, None))
    return True


_RISCONTRI: dict[str, Riscontro] = {r.value: r for r in Riscontro}
_RISCONTRI_VALORE: dict[Riscontro, str] = {r: r.value for r in Riscontro}


def eventi_di(s: Session, entita: str, ids: list[int]) -> list[Evento]:
    """The journal of some entities, oldest first."""
    if not ids:
        return []
    query = (
        select(Evento)
        .where(Evento.entita == entita, Evento.entita_id.in_(ids))
        .order_by(Evento.quando, Evento.id)
    )
    return list(s.scalars(query))
