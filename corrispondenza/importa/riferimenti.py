"""Resolving the ``id_credito`` written in a payments or history file to a stored credit.

An id is unique per struttura (two offices may number alike), so an ambiguous id needs the
optional ``struttura`` column; the message says so.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.importa.campi import Riga
from corrispondenza.store.tabelle import Credito


class CreditoNoto(NamedTuple):
    id: int
    struttura: str
    id_esterno: str
    tipo: str
    soggetto_id: int
    importo: Any
    stato: str
    data_documento: Any


class IndiceCrediti:
    def __init__(self, s: Session) -> None:
        colonne = (
            Credito.id,
            Credito.struttura,
            Credito.id_esterno,
            Credito.tipo,
            Credito.soggetto_id,
            Credito.importo,
            Credito.stato,
            Credito.data_documento,
        )
        self.per_id: dict[str, list[CreditoNoto]] = defaultdict(list)
        self.per_pk: dict[int, CreditoNoto] = {}
        for r in s.execute(select(*colonne)):
            credito = CreditoNoto(*r)
            self.per_id[credito.id_esterno].append(credito)
            self.per_pk[credito.id] = credito

    def trova(self, riga: Riga) -> CreditoNoto | None:
        """The credit of the row, or ``None`` with the problem recorded on the row."""
        id_esterno = riga.grezzo("id_credito")
        if not id_esterno:
            riga.errore("id_credito", "valore obbligatorio mancante")
            return None
        candidati = self.per_id.get(id_esterno, [])
        struttura = riga.grezzo("struttura").upper()
        if struttura:
            candidati = [c for c in candidati if c.struttura == struttura]
        if not candidati:
            riga.errore("id_credito", "credito non presente in archivio: importare prima i crediti")
            return None
        if len(candidati) > 1:
            strutture = ", ".join(sorted(c.struttura for c in candidati))
            riga.errore(
                "id_credito",
                f"id_credito presente in più strutture ({strutture}): aggiungere la colonna struttura",
            )
            return None
        return candidati[0]
