"""Import kinds whose records map one to one onto the rows of a table (all but the storico).

The shared shape: plan by natural key, insert the new rows in one ``executemany``, update the
changed ones on the compared fields only, journal each correction, then apply the effects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from corrispondenza.importa.motore import Contesto, Importatore
from corrispondenza.importa.piano import Piano, confronta, per_giornale
from corrispondenza.store.database import inserisci
from corrispondenza.store.giornale import registra


@dataclass(frozen=True)
class Rettifica:
    """How a changed stored row is journaled: what, about which entity, why."""

    cosa: str
    entita: str
    perche: Callable[[dict[str, Any]], str]
    entita_id: Callable[[dict[str, Any]], int] = itemgetter("id")


class ImportatoreTabella(Importatore[dict[str, Any]]):
    """An import kind whose records map one to one onto the rows of ``tabella``.

    Subclasses say how a row is identified (``chiave``), which fields an update compares
    (``confrontati``, with the file column each comes from in ``origini`` when the name
    differs) and how a correction is journaled; ``dopo`` applies the effects on other tables.
    """

    tabella: ClassVar[type[Any]]
    chiave: ClassVar[Callable[[dict[str, Any]], Any]]
    confrontati: ClassVar[tuple[str, ...]]
    origini: ClassVar[Mapping[str, str]] = {}
    rettifica: ClassVar[Rettifica]
    esistenti: dict[Any, dict[str, Any]]

    def pianifica(self, records: list[dict[str, Any]], ctx: Contesto) -> Piano[dict[str, Any]]:
        self.campi = self.aggiornabili(self.confrontati, self.origini)
        return confronta(records, self.esistenti, self.chiave, self.campi)

    def costanti(self, importazione_id: int) -> dict[str, Any]:
        """Values every new row gets."""
        return {"importazione_id": importazione_id}

    def scrivi(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        inserisci(s, self.tabella, piano.nuovi, self.costanti(importazione_id))
        aggiorna(s, self.tabella, piano, self.campi)
        r = self.rettifica
        for rec, diff in piano.aggiornati:
            registra(
                s,
                ctx.op,
                cosa=r.cosa,
                perche=r.perche(rec),
                entita=r.entita,
                entita_id=r.entita_id(rec),
                dati={"campi": per_giornale(diff)},
                importazione_id=importazione_id,
            )
        self.dopo(s, piano, ctx, importazione_id)

    def dopo(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        """Effects of the written rows elsewhere (a credit's state); none by default."""


def aggiorna(s: Session, tabella: type[Any], piano: Piano[dict[str, Any]], campi: tuple[str, ...]) -> None:
    """UPDATE the changed rows by primary key, touching only the fields that were compared."""
    if piano.aggiornati:
        s.execute(update(tabella), [{"id": r["id"], **{k: r[k] for k in campi}} for r, _ in piano.aggiornati])
