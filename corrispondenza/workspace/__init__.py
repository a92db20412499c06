"""A workspace: the folder with config.yaml, modelli/ and outbox/ where an office works."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from corrispondenza.errors import InputNonValidoError
from corrispondenza.modelli.predefiniti import scrivi_modelli

MODELLO_CONFIG = "config.yaml"


def config_iniziale() -> str:
    """The config.yaml that ``init`` writes: every threshold at the Regolamento's value."""
    return resources.files(__package__).joinpath(MODELLO_CONFIG).read_text(encoding="utf-8")


def inizializza(cartella: Path) -> list[Path]:
    """Create config.yaml, modelli/ (with the default templates) and outbox/ in ``cartella``.

    Never overwrites a config, nor a template the legal office has already edited.

    The outbox will hold letters with health-related personal data: it is created 0700.
    """
    cartella.mkdir(parents=True, exist_ok=True)
    config = cartella / "config.yaml"
    if config.exists():
        raise InputNonValidoError(
            f"{config} esiste già: init non sovrascrive una configurazione. "
            "Usare un'altra cartella o rimuovere il file.",
            file=str(config),
        )
    config.write_text(config_iniziale(), encoding="utf-8")
    creati = [config]
    modelli = cartella / "modelli"
    modelli.mkdir(exist_ok=True)
    creati.append(modelli)
    creati += scrivi_modelli(modelli)  # the legal office's starting point, never overwritten
    outbox = cartella / "outbox"
    outbox.mkdir(exist_ok=True)
    outbox.chmod(0o700)
    creati.append(outbox)
    return creati
