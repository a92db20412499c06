"""The parts of config.yaml the rules read, bundled so every rule gets the same thresholds."""

from __future__ import annotations

from dataclasses import dataclass

from corrispondenza.config.schema import Config, Interessi, Regole, Spese


@dataclass(frozen=True)
class Parametri:
    regole: Regole
    interessi: Interessi
    spese: Spese

    @classmethod
    def da_config(cls, config: Config) -> Parametri:
        return cls(regole=config.regole, interessi=config.interessi, spese=config.spese)
