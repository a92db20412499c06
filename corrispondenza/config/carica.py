"""Load config.yaml and turn every problem into an Italian message naming its YAML path.

All problems are collected and reported together (DESIGN.md, Bad input), so a clerk fixes
the file in one pass. Paths in the file (database, outbox) are relative to the file itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from corrispondenza.config.schema import Config
from corrispondenza.errors import ConfigError, Problema

_MESSAGGI: dict[str, str] = {
    "missing": "campo obbligatorio mancante",
    "extra_forbidden": "campo sconosciuto (errore di battitura?)",
    "int_parsing": "atteso un numero intero",
    "int_type": "atteso un numero intero",
    "int_from_float": "atteso un numero intero, senza decimali",
    "decimal_parsing": "atteso un numero (es. 10.33)",
    "decimal_type": "atteso un numero (es. 10.33)",
    "decimal_max_places": "al massimo due decimali",
    "string_type": "atteso un testo",
    "bool_parsing": "atteso sì/no (true/false)",
    "bool_type": "atteso sì/no (true/false)",
    "date_parsing": "attesa una data nel formato AAAA-MM-GG",
    "date_from_datetime_parsing": "attesa una data nel formato AAAA-MM-GG",
    "date_type": "attesa una data nel formato AAAA-MM-GG",
    "dict_type": "attesa una sezione con chiavi e valori",
    "model_type": "attesa una sezione con chiavi e valori",
    "model_attributes_type": "attesa una sezione con chiavi e valori",
    "list_type": "attesa una lista",
    "too_short": "non può essere vuoto",
    "string_too_short": "non può essere vuoto",
}


@dataclass(frozen=True)
class ConfigCaricata:
    """A validated config plus the folder its relative paths are resolved against."""

    config: Config
    percorso: Path

    @property
    def cartella(self) -> Path:
        return self.percorso.parent

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute from the config's folder."""
        url = self.config.database.url
        prefisso = "sqlite:///"
        if url.startswith(prefisso) and not url[len(prefisso) :].startswith("/"):
            return prefisso + str((self.cartella / url[len(prefisso) :]).resolve())
        return url

    @property
    def outbox(self) -> Path:
        return (self.cartella / self.config.outbox).resolve()

    @property
    def modelli(self) -> Path:
        return (self.cartella / self.config.modelli.cartella).resolve()


def carica_config(percorso: Path) -> ConfigCaricata:
    """Read and validate; raise ``ConfigError`` with every problem found."""
    dati = leggi_yaml(percorso)
    try:
        config = Config.model_validate(dati)
    except ValidationError as exc:
        problemi = [_traduci(errore, percorso) for errore in exc.errors()]
        raise ConfigError(
            f"Il file di configurazione {percorso} contiene {len(problemi)} errori:"
            if len(problemi) > 1
            else f"Il file di configurazione {percorso} contiene un errore:",
            problemi,
            file=str(percorso),
        ) from None
    return ConfigCaricata(config=config, percorso=percorso.resolve())


def leggi_yaml(percorso: Path) -> dict[str, Any]:
    """Parse YAML safely; syntax errors name line and column."""
    try:
        testo = percorso.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"File di configurazione non trovato: {percorso}. "
            "Crearne uno con «corrispondenza init CARTELLA» o indicarlo con --config.",
            file=str(percorso),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Impossibile leggere {percorso}: {exc}", file=str(percorso)) from None
    try:
        dati = yaml.safe_load(testo)
    except yaml.YAMLError as exc:
        segno = getattr(exc, "problem_mark", None)
        dove = f" (riga {segno.line + 1}, colonna {segno.column + 1})" if segno else ""
        problema = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"Il file di configurazione {percorso} non è YAML valido{dove}: {problema}",
            file=str(percorso),
        ) from None
    if not isinstance(dati, dict):
        raise ConfigError(
            f"Il file di configurazione {percorso} deve contenere delle sezioni (ente, regole, ...)",
            file=str(percorso),
        )
    return dati


def _traduci(errore: Any, percorso: Path) -> Problema:
    """One pydantic error → one Italian ``Problema`` whose ``percorso`` is the YAML path."""
    loc = [str(parte) for parte in errore["loc"]]
    percorso_yaml = ".".join(loc) or "(radice)"
    valore = errore.get("input")
    tipo = errore["type"]
    if tipo == "extra_forbidden" and loc and loc[-1].lower() in {"password", "passwd", "secret"}:
        motivo = (
            "non scrivere password nel file: indicare in password_env il nome di una variabile d'ambiente"
        )
        valore = None
    else:
        motivo = _motivo(tipo, errore)
    mostrato = None if isinstance(valore, dict | list) or valore is None else str(valore)
    return Problema(motivo=motivo, file=str(percorso), percorso=percorso_yaml, valore=mostrato)


def _motivo(tipo: str, errore: Any) -> str:
    ctx = errore.get("ctx") or {}
    if tipo in ("value_error", "assertion_error"):
        return str(ctx.get("error", errore["msg"])).removeprefix("Value error, ")
    if tipo in ("greater_than_equal", "greater_than"):
        return f"deve essere almeno {ctx.get('ge', ctx.get('gt'))}"
    if tipo in ("less_than_equal", "less_than"):
        return f"deve essere al massimo {ctx.get('le', ctx.get('lt'))}"
    if tipo == "string_pattern_mismatch":
        return "formato non valido" + _esempio(errore)
    if tipo in ("literal_error", "enum"):
        return f"valore non ammesso: atteso uno tra {ctx.get('expected', '')}"
    return _MESSAGGI.get(tipo, errore["msg"])


def _esempio(errore: Any) -> str:
    campo = str(errore["loc"][-1]) if errore["loc"] else ""
    esempi = {
        "cap": " (5 cifre, es. 40124)",
        "provincia": " (sigla di 2 lettere maiuscole, es. BO)",
        "email": " (indirizzo e-mail, es. ufficio@ente.it)",
        "pec": " (indirizzo PEC, es. protocollo@pec.ente.it)",
        "mittente": " (indirizzo e-mail)",
        "indirizzo": " (indirizzo e-mail)",
    }
    return esempi.get(campo, "")
