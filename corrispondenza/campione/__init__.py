"""Deterministic synthetic credit records for the demo, the tests and the benchmarks.

``genera_campione`` builds a :class:`Campione` (soggetti, relazioni, crediti, pagamenti,
storico) from a seed and a reference day; ``scrivi_campione`` writes it as the five CSV
files the importer reads. All data are fictitious but formally valid (codici fiscali,
partite IVA, real comuni) so that the importer's validation is exercised for real.
"""

from __future__ import annotations

from .generatore import genera_campione
from .scrittura import COLONNE, Campione, scrivi_campione

__all__ = ["COLONNE", "Campione", "genera_campione", "scrivi_campione"]
