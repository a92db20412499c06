"""The :class:`Campione` container and its CSV serialisation in the importer's format.

The columns are the importer's own standard columns (``importa.colonne``), so the two
cannot drift apart.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from corrispondenza.importa.colonne import COLONNE as COLONNE_IMPORTAZIONE
from corrispondenza.riservato import apri_riservato

_NON_GENERATE: dict[str, frozenset[str]] = {
    "soggetti": frozenset(
        {"domicilio_indirizzo", "domicilio_cap", "domicilio_comune", "domicilio_provincia"}
    ),
    "pagamenti": frozenset({"struttura"}),
    "storico": frozenset({"struttura"}),
}
COLONNE: dict[str, tuple[str, ...]] = {
    tipo: tuple(c for c in colonne if c not in _NON_GENERATE.get(tipo, frozenset()))
    for tipo, colonne in COLONNE_IMPORTAZIONE.items()
    if tipo != "consegne"  # the A/R cards come back from the post office, after the sending
}
"""The importer's standard columns, minus the optional ones the generator leaves out."""


@dataclass(frozen=True)
class Campione:
    """A complete synthetic data set; every value is already formatted as in the files."""

    soggetti: list[dict[str, str]]
    relazioni: list[dict[str, str]]
    crediti: list[dict[str, str]]
    pagamenti: list[dict[str, str]]
    storico: list[dict[str, str]]


def scrivi_campione(campione: Campione, cartella: Path) -> dict[str, Path]:
    """Write the five CSV files (UTF-8, no BOM, ``;``, ``\\n``) and return their paths.

    Existing files with the same names are overwritten, so regenerating into the same
    folder is idempotent.
    """
    cartella = Path(cartella)
    cartella.mkdir(parents=True, exist_ok=True)
    cartella.chmod(0o700)  # synthetic, but shaped like health data: treated the same way
    percorsi: dict[str, Path] = {}
    for nome, colonne in COLONNE.items():
        percorso = cartella / f"{nome}.csv"
        descrittore = apri_riservato(percorso)
        with open(descrittore, "w", encoding="utf-8", newline="") as file:
            scrittore = csv.writer(file, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            scrittore.writerow(colonne)
            scrittore.writerows(map(itemgetter(*colonne), getattr(campione, nome)))
        percorsi[nome] = percorso
    return percorsi
