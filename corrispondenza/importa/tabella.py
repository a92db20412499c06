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
    in_due_processi: ClassVar[bool] = False
    """Big CSV files are validated in other processes while this one writes (``flusso.py``).

    Only for kinds whose ``dopo`` needs nothing of the new rows, whose ``chiave`` is a unique
    index of ``tabella``, and whose ``verifica_insieme``, on rows none of which is stored yet,
    checks nothing but that uniqueness: a first load goes from the columns to the insert.
    """

    @property
    def campi(self) -> tuple[str, ...]:
        """The compared fields whose column is in the file: what an update may change."""
        return self.aggiornabili(self.confrontati, self.origini)

    def pianifica(self, records: list[dict[str, Any]], ctx: Contesto) -> Piano[dict[str, Any]]:
        return confronta(records, self.esistenti, self.chiave, self.campi)

    def costanti(self, importazione_id: int) -> dict[str, Any]:
        """Values every new row gets."""
        return {"importazione_id": importazione_id}

    def scrivi(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        inserisci(s, self.tabella, piano.nuovi, self.costanti(importazione_id))
        self.scrivi_aggiornati(s, piano, ctx, importazione_id)

    def scrivi_aggiornati(
        self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int
    ) -> None:
        """All of ``scrivi`` after the new rows: what ``flusso.py`` runs once it has inserted them."""
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
        """Effects of the changed rows elsewhere (a credit's state); none by default.

        It sees the rows updated (``piano.aggiornati``), not the new ones: on the two-process
        path those are already written when it runs and ``piano.nuovi`` is empty.
        """


def aggiorna(s: Session, tabella: type[Any], piano: Piano[dict[str, Any]], campi: tuple[str, ...]) -> None:
    """UPDATE the changed rows by primary key, touching only the fields that were compared."""
    if piano.aggiornati:
        s.execute(update(tabella), [{"id": r["id"], **{k: r[k] for k in campi}} for r, _ in piano.aggiornati])
