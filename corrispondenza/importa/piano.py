"""Planning an import: which rows are new, which change (and how), which are already there.

Pure functions over records and what the store holds; ``tabella.py`` writes the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from corrispondenza.importa.campi import Riga

R = TypeVar("R")


@dataclass
class Piano(Generic[R]):
    """What an import would do: rows to add, rows to change (with their differences)."""

    nuovi: list[R] = field(default_factory=list)
    aggiornati: list[tuple[R, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    invariati: int = 0

    @property
    def vuoto(self) -> bool:
        return not self.nuovi and not self.aggiornati


def unici(
    validi: list[tuple[Riga, R]],
    chiave: Callable[[R], Any],
    colonna: str,
    descrizione: Callable[[Any], str],
) -> list[tuple[Riga, R]]:
    """Flag every row whose key repeats in the file (all of them: which one is right is for the
    clerk to say) and return the rows whose key is unique."""
    prima: dict[Any, Riga] = {}
    ripetute: set[Any] = set()
    for riga, rec in validi:
        k = chiave(rec)
        if k in prima:
            ripetute.add(k)
            riga.errore(colonna, f"{descrizione(k)}: compare già alla riga {prima[k].numero}")
            prima[k].errore(colonna, f"{descrizione(k)}: compare di nuovo alla riga {riga.numero}")
        else:
            prima[k] = riga
    if not ripetute:
        return list(validi)
    return [(riga, rec) for riga, rec in validi if chiave(rec) not in ripetute]


def confronta(
    records: list[dict[str, Any]],
    esistenti: Mapping[Any, Mapping[str, Any]],
    chiave: Callable[[dict[str, Any]], Any],
    campi: tuple[str, ...],
) -> Piano[dict[str, Any]]:
    """New, changed (with the differences on ``campi``) or unchanged, by natural key."""
    piano: Piano[dict[str, Any]] = Piano()
    for rec in records:
        attuale = esistenti.get(chiave(rec))
        if attuale is None:
            piano.nuovi.append(rec)
            continue
        diff = differenze(attuale, {k: rec[k] for k in campi})
        if diff:
            piano.aggiornati.append(({**rec, "id": attuale["id"]}, diff))
        else:
            piano.invariati += 1
    return piano


def differenze(vecchio: Mapping[str, Any], nuovo: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose value changes, as ``{campo: (prima, dopo)}``."""
    return {k: (vecchio.get(k), v) for k, v in nuovo.items() if vecchio.get(k) != v}


def per_giornale(diff: Mapping[str, tuple[Any, Any]]) -> dict[str, list[str | None]]:
    """Differences in a JSON-safe form for the journal."""
    return {k: [None if a is None else str(a), None if b is None else str(b)] for k, (a, b) in diff.items()}
